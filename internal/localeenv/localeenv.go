// Package localeenv keeps Fyne's locale lookup quiet under the "C" locale
// with a codeset, such as Debian's default C.UTF-8.
//
// Fyne's lang package loads its translations in its package init, in every
// process that links it, so every medtrace command (the app and the CLI are
// one binary) runs it. It reads LC_ALL, LC_MESSAGES or LANG; bare "C" and
// "POSIX" count as "no localisation", but "C.UTF-8" is passed on as the
// language "C", which is not a language tag, and Fyne logs "Error parsing
// user locale C" (three lines) to standard error, then falls back to
// English.
//
// This package's init runs before Fyne's lang package: Go initialises, of
// the packages whose imports are done, the first by import path, and lang
// waits for github.com/nicksnyder/go-i18n, which sorts after this package.
// When the locale is C or POSIX with a codeset or modifier and LANGUAGE is
// not set, it sets LANGUAGE=en for this process: the English Fyne fell back
// to anyway, now without the noise. LANGUAGE is what gettext consults only
// for non-C locales, and it changes neither the character set nor any
// other locale category.
package localeenv

import (
	"os"
	"strings"
)

func init() {
	if v, ok := Fix(os.Getenv); ok {
		_ = os.Setenv("LANGUAGE", v) // fails only for an invalid name; "LANGUAGE" is valid
	}
}

// Fix returns the LANGUAGE value to set, and true, when the environment
// as getenv reads it has a C or POSIX locale with a codeset or modifier
// (C.UTF-8, POSIX.utf8, C@x) and no LANGUAGE.
func Fix(getenv func(string) string) (string, bool) {
	if getenv("LANGUAGE") != "" {
		return "", false
	}
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	if loc == "C" || loc == "POSIX" {
		return "", false // Fyne reads these as no localisation
	}
	name, _, _ := strings.Cut(loc, ".")
	name, _, _ = strings.Cut(name, "@")
	if name == "C" || name == "POSIX" {
		return "en", true
	}
	return "", false
}

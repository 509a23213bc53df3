package app

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

//go:embed translations/*.json
var translations embed.FS

// The languages a user can pick in Settings.
const (
	LangSystem  = "system"
	LangEnglish = "en"
	LangChinese = "zh"
)

// tr translates key with Fyne's lang package. data, when given, fills the
// template fields ({{.Name}}) of the translation.
func tr(key string, data ...map[string]any) string {
	if len(data) > 0 {
		return lang.L(key, data[0])
	}
	return lang.L(key)
}

// trN translates key in the plural form for count n (Fyne's lang.N: the
// key's translation is an object of CLDR plural forms, "one" and "other"
// in English, "other" alone in Chinese); data fills the template fields.
func trN(key string, n int, data map[string]any) string {
	return lang.N(key, n, data)
}

// useLanguage loads the translations for choice ("system", "en" or "zh").
// Fyne's lang package takes the language from the process locale, so a
// choice other than "system" sets LC_ALL/LANGUAGE for this process before
// the translations are (re)loaded.
func useLanguage(choice string) error {
	switch choice {
	case LangEnglish:
		setLocaleEnv("en_GB.UTF-8", "en")
	case LangChinese:
		setLocaleEnv("zh_CN.UTF-8", "zh_CN")
	}
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	return nil
}

func setLocaleEnv(posix, language string) {
	// Setenv fails only for invalid names; these are constant and valid.
	_ = os.Setenv("LC_ALL", posix)
	_ = os.Setenv("LANGUAGE", language)
}

// localeEnv is the process's locale variables as found at start.
type localeEnv struct {
	lcAll, language       string
	hasLCAll, hasLanguage bool
}

func captureLocale() localeEnv {
	var l localeEnv
	l.lcAll, l.hasLCAll = os.LookupEnv("LC_ALL")
	l.language, l.hasLanguage = os.LookupEnv("LANGUAGE")
	return l
}

func (l localeEnv) restore() {
	restore := func(name, v string, ok bool) {
		if ok {
			_ = os.Setenv(name, v)
		} else {
			_ = os.Unsetenv(name)
		}
	}
	restore("LC_ALL", l.lcAll, l.hasLCAll)
	restore("LANGUAGE", l.language, l.hasLanguage)
}

// switchLanguage changes the UI language while the app runs; the caller
// rebuilds the window. The error says so, too, when the app's fonts cannot
// draw some of the language's text (a *ScriptError; the language is used).
func (u *ui) switchLanguage(choice string) error {
	if choice == LangSystem {
		u.origLocale.restore()
	}
	if err := useLanguage(choice); err != nil {
		return err
	}
	return checkLanguageFonts(u.fa.Settings().Theme(), effectiveLanguage(choice))
}

// effectiveLanguage returns "en" or "zh" for choice, resolving "system"
// from the process locale.
func effectiveLanguage(choice string) string {
	switch choice {
	case LangEnglish, LangChinese:
		return choice
	}
	if strings.HasPrefix(string(lang.SystemLocale()), "zh") {
		return LangChinese
	}
	return LangEnglish
}

// formatter renders dates and numbers in the user's locale.
type formatter struct {
	zh  bool
	loc *time.Location
	p   *message.Printer
}

func newFormatter(language string, loc *time.Location) formatter {
	tag := languageTag(language)
	return formatter{zh: language == LangChinese, loc: loc, p: message.NewPrinter(tag)}
}

func languageTag(l string) language.Tag {
	if l == LangChinese {
		return language.SimplifiedChinese
	}
	return language.BritishEnglish
}

// date renders a calendar date (expiry).
func (f formatter) date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if f.zh {
		return t.Format("2006年1月2日")
	}
	return t.Format("2 Jan 2006")
}

// dateTime renders an instant in local time.
func (f formatter) dateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(f.loc)
	if f.zh {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// number renders an integer with the locale's digit grouping.
func (f formatter) number(n int64) string {
	return f.p.Sprintf("%d", n)
}

// themeVariant names the theme choices in Settings.
const (
	ThemeSystem = "system"
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// dynamicKeys lists the translation keys the code builds at run time
// (prefix + value), so the completeness test can check them.
func dynamicKeys() []string {
	var keys []string
	for _, r := range []string{ReasonReady, ReasonActive, ReasonNotPackCode, ReasonDamaged, ReasonUnknown, ReasonDispensed,
		ReasonRecalled, ReasonExpired, ReasonBatchMismatch, ReasonExpiryMismatch, ReasonDestroyed, ReasonStolen,
		ReasonInTransit, ReasonSample, ReasonExported, ReasonAlert, ReasonNotVerified, ReasonNotConnected, ReasonNotOnLedger} {
		keys = append(keys, "reason."+r)
	}
	for _, k := range trace.Kinds() {
		keys = append(keys, "kind."+string(k))
	}
	for _, r := range []string{RolePharmacist, RoleWarehouse, RoleInspector, RoleManufacturer} {
		keys = append(keys, "role."+r, "role."+r+".desc")
	}
	for _, k := range []trace.Kind{trace.KindStolen, trace.KindDestroy} {
		keys = append(keys, "man.loss.confirm."+string(k), "man.loss.done."+string(k))
	}
	for _, k := range queueCountNames() {
		keys = append(keys, "queue.count."+k)
	}
	for _, k := range queueStates() {
		keys = append(keys, "queue.state."+k)
	}
	for _, k := range whCountNames() {
		keys = append(keys, "wh.count."+k)
	}
	for _, k := range []string{station.OutDuplicate, station.OutUnexpected} {
		keys = append(keys, "wh.warn."+k)
	}
	for _, k := range station.SessionWhys() {
		keys = append(keys, "wh.reason."+k)
	}
	for _, k := range []string{station.OutAdded, station.OutParent, station.OutChild, station.OutUnpacked} {
		keys = append(keys, "wh.item."+k)
	}
	for _, k := range calibrationFaults() {
		keys = append(keys, "settings.calibrate.fault."+k)
	}
	for _, k := range reportLabelNames() {
		keys = append(keys, "report."+k)
	}
	for _, r := range []string{ReasonUnitOK, ReasonUnitProblem, ReasonUnitUnknown, ReasonUnitEmpty, ReasonUnitNotInCopy} {
		keys = append(keys, "reason."+r)
	}
	for _, k := range alertKinds() {
		keys = append(keys, "reg.alert.kind."+k)
	}
	for _, k := range []string{"refusal", "scan", station.SourceLedger} {
		keys = append(keys, "reg.alert.source."+k)
	}
	for _, k := range alertPeriods() {
		keys = append(keys, "reg.alerts.since."+k)
	}
	for _, k := range []string{"manufacturer", "distributor", "pharmacy", "regulator"} {
		keys = append(keys, "reg.role."+k)
	}
	for _, st := range packStatuses() {
		keys = append(keys, "status."+string(st))
	}
	for _, k := range []string{"unavailable", "commit-unknown", "rejected", "tx-not-found", "units-offline", "notconnected"} {
		keys = append(keys, "cause."+k)
	}
	return keys
}

// hasTranslation reports whether key has a translation (lang.L returns the
// key itself for one it does not know).
func hasTranslation(key string) bool { return lang.L(key) != key }

// alertText words a ledger alert or refusal in the user's language by its
// stable code (trace/reasons.go) alone: the ledger's own sentence is
// English, and stays in the details (the log, the CSV exports). A code
// this version has no translation for shows the ledger's sentence.
func alertText(code, message string) string {
	key := "alert." + code
	switch {
	case hasTranslation(key):
		return tr(key)
	case message == "":
		return code
	}
	return message
}

// alertDetail is alertText with the sentence as detail, for what the user
// corrects in a form (an event the ledger would refuse for its form): the
// sentence says which field is wrong and how.
func alertDetail(code, message string) string {
	text := alertText(code, message)
	if message == "" || text == message {
		return text
	}
	return tr("alert.detail", map[string]any{"Text": text, "Detail": message})
}

// problemText words a parser problem in the user's language by its stable
// code (internal/packcode and internal/gs1), naming the AI it concerns;
// the parser's own sentence follows as detail. An unknown code shows the
// parser's sentence alone.
func problemText(p Problem) string {
	key := "problem." + p.Code
	if !hasTranslation(key) {
		return p.Message
	}
	text := tr(key)
	if p.AI != "" {
		text = tr("problem.ai", map[string]any{"AI": p.AI, "Text": text})
	}
	if p.Message == "" {
		return text
	}
	return tr("alert.detail", map[string]any{"Text": text, "Detail": p.Message})
}

// problemsText words the first problem of ps (the one a user fixes first),
// or "" for none.
func problemsText(ps []Problem) string {
	if len(ps) == 0 {
		return ""
	}
	return problemText(ps[0])
}

// errorText words an error for a dialog in the user's language: a form
// field's message as it is, an event the ledger would refuse by its reason
// code, a timeout or a part not connected by name; any other error under a
// translated headline with its own words (from the store, the ledger or
// the operating system) as detail.
func errorText(err error) string {
	var fe *fieldError
	var be *trace.BadEventError
	switch {
	case errors.As(err, &fe):
		return fe.msg
	case errors.As(err, &be):
		return alertDetail(be.Reason.Code, be.Reason.Message)
	case errors.Is(err, errNotConnected):
		return tr("error.notconnected")
	case errors.Is(err, context.DeadlineExceeded):
		return tr("alert.detail", map[string]any{"Text": tr("error.timeout"), "Detail": err.Error()})
	}
	return tr("alert.detail", map[string]any{"Text": tr("error.failed"), "Detail": err.Error()})
}

// causeText words why something failed in a sentence's slot ("Download
// failed: …"): a known cause (the ledger unreachable, a timeout, an answer
// the local copy cannot give) in the user's language with the error's own
// words as detail, any other error in its own words.
func causeText(err error) string {
	for _, c := range []struct {
		err error
		key string
	}{
		{ErrUnitsOffline, "cause.units-offline"}, // it wraps why the ledger did not answer
		{ledger.ErrUnavailable, "cause.unavailable"},
		{ledger.ErrCommitUnknown, "cause.commit-unknown"},
		{ledger.ErrRejected, "cause.rejected"},
		{ledger.ErrTxNotFound, "cause.tx-not-found"},
		{errNotConnected, "cause.notconnected"},
		{context.DeadlineExceeded, "error.timeout"},
	} {
		if errors.Is(err, c.err) {
			return tr("alert.detail", map[string]any{"Text": tr(c.key), "Detail": err.Error()})
		}
	}
	return err.Error()
}

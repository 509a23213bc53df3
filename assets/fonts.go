package assets

import _ "embed"

// CJKFont is DroidSansFallback-GB2312.ttf: a subset of Droid Sans Fallback
// (Apache-2.0, fonts/LICENSE-Apache-2.0.txt) with the common simplified
// Chinese characters and punctuation; fonts/README.md says how it is made.
//
//go:embed fonts/DroidSansFallback-GB2312.ttf
var CJKFont []byte

// CJKFontName is CJKFont's file name.
const CJKFontName = "DroidSansFallback-GB2312.ttf"

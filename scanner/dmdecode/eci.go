package dmdecode

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/medtrace/medtrace/scanner"
)

// eciEncoding returns the character encoding of an ECI designator (AIM ECI
// assignments); 899 (binary), 26 (UTF-8) and 170 (ISO 646) are handled by
// the caller.
func eciEncoding(d int) (encoding.Encoding, bool) {
	switch d {
	case 0, 2:
		return charmap.CodePage437, true
	case 1, 3, 27:
		return charmap.ISO8859_1, true
	case 4:
		return charmap.ISO8859_2, true
	case 5:
		return charmap.ISO8859_3, true
	case 6:
		return charmap.ISO8859_4, true
	case 7:
		return charmap.ISO8859_5, true
	case 8:
		return charmap.ISO8859_6, true
	case 9:
		return charmap.ISO8859_7, true
	case 10:
		return charmap.ISO8859_8, true
	case 11:
		return charmap.ISO8859_9, true
	case 12:
		return charmap.ISO8859_10, true
	case 13:
		return charmap.Windows874, true
	case 15:
		return charmap.ISO8859_13, true
	case 16:
		return charmap.ISO8859_14, true
	case 17:
		return charmap.ISO8859_15, true
	case 18:
		return charmap.ISO8859_16, true
	case 20:
		return japanese.ShiftJIS, true
	case 21:
		return charmap.Windows1250, true
	case 22:
		return charmap.Windows1251, true
	case 23:
		return charmap.Windows1252, true
	case 24:
		return charmap.Windows1256, true
	case 25:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), true
	case 28:
		return traditionalchinese.Big5, true
	case 29, 32:
		return simplifiedchinese.GB18030, true
	case 30:
		return korean.EUCKR, true
	case 33:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), true
	}
	return nil, false
}

func knownECI(d int) bool {
	_, ok := eciEncoding(d)
	return ok || d == 26 || d == 899 || d == 170
}

// Text returns a read's message as UTF-8 text, converting each ECI segment
// from its declared encoding (bytes without ECI are ISO-8859-1, the Data
// Matrix default). It fails for binary (ECI 899) segments and unknown ECIs.
func Text(r scanner.Read) (string, error) {
	if len(r.ECI) == 0 {
		if utf8.Valid(r.Data) {
			return string(r.Data), nil
		}
		s, err := charmap.ISO8859_1.NewDecoder().Bytes(r.Data)
		return string(s), err
	}
	var out []byte
	for _, s := range r.ECI {
		switch d := s.Designator; d {
		case 26:
			if !utf8.Valid(s.Data) {
				return "", fmt.Errorf("ECI 26 segment is not valid UTF-8")
			}
			out = append(out, s.Data...)
		case 899:
			return "", fmt.Errorf("ECI 899 segment holds binary data")
		case 170, -1:
			t, err := charmap.ISO8859_1.NewDecoder().Bytes(s.Data)
			if err != nil {
				return "", fmt.Errorf("ECI %d: %w", d, err)
			}
			out = append(out, t...)
		default:
			enc, ok := eciEncoding(d)
			if !ok {
				return "", fmt.Errorf("%w %d", ErrUnsupportedECI, d)
			}
			t, err := enc.NewDecoder().Bytes(s.Data)
			if err != nil {
				return "", fmt.Errorf("ECI %d: %w", d, err)
			}
			out = append(out, t...)
		}
	}
	return string(out), nil
}

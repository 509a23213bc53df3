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

// eciEncodings maps ECI designators to character encodings (AIM ECI
// assignments); 899 (binary) and 26 (UTF-8) are handled separately.
var eciEncodings = map[int]encoding.Encoding{
	0: charmap.CodePage437, 1: charmap.ISO8859_1, 2: charmap.CodePage437, 3: charmap.ISO8859_1,
	4: charmap.ISO8859_2, 5: charmap.ISO8859_3, 6: charmap.ISO8859_4, 7: charmap.ISO8859_5,
	8: charmap.ISO8859_6, 9: charmap.ISO8859_7, 10: charmap.ISO8859_8, 11: charmap.ISO8859_9,
	12: charmap.ISO8859_10, 13: charmap.Windows874, 15: charmap.ISO8859_13, 16: charmap.ISO8859_14,
	17: charmap.ISO8859_15, 18: charmap.ISO8859_16, 20: japanese.ShiftJIS, 21: charmap.Windows1250,
	22: charmap.Windows1251, 23: charmap.Windows1252, 24: charmap.Windows1256,
	25: unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 27: charmap.ISO8859_1, 28: traditionalchinese.Big5,
	29: simplifiedchinese.GB18030, 30: korean.EUCKR, 32: simplifiedchinese.GB18030,
	33: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
}

func knownECI(d int) bool {
	_, ok := eciEncodings[d]
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
		switch d := s.Designator; {
		case d == 26:
			if !utf8.Valid(s.Data) {
				return "", fmt.Errorf("ECI 26 segment is not valid UTF-8")
			}
			out = append(out, s.Data...)
		case d == 899:
			return "", fmt.Errorf("ECI 899 segment holds binary data")
		case d == 170 || d == -1:
			t, err := charmap.ISO8859_1.NewDecoder().Bytes(s.Data)
			if err != nil {
				return "", fmt.Errorf("ECI %d: %w", d, err)
			}
			out = append(out, t...)
		default:
			enc, ok := eciEncodings[d]
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

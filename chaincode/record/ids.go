package trace

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// defaultPrefixLen is the GS1 company prefix length assumed for EPC URIs when
// no registered prefix matches an identifier.
const defaultPrefixLen = 7

// digits reports whether s is all ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkDigitOK verifies the GS1 mod-10 check digit of a numeric key.
func checkDigitOK(s string) bool {
	if !digits(s) || len(s) < 2 {
		return false
	}
	sum := 0
	n := len(s) - 1
	for i := 0; i < n; i++ {
		d := int(s[n-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10-sum%10)%10 == int(s[n]-'0')
}

func checkKey(what, s string, n int) error {
	if len(s) != n || !digits(s) {
		return fmt.Errorf("%s %q must be %d digits", what, s, n)
	}
	if !checkDigitOK(s) {
		return fmt.Errorf("%s %q has a wrong check digit", what, s)
	}
	return nil
}

func checkGTIN(s string) error { return checkKey("GTIN", s, 14) }
func checkSSCC(s string) error { return checkKey("SSCC", s, 18) }
func checkGLN(s string) error  { return checkKey("GLN", s, 13) }

// cset82 reports whether c is in GS1 AI encodable character set 82.
func cset82(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

func checkText(what, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s is missing", what)
	}
	if len(s) > max {
		return fmt.Errorf("%s %q is longer than %d characters", what, s, max)
	}
	for i := 0; i < len(s); i++ {
		if !cset82(s[i]) {
			return fmt.Errorf("%s %q has a character GS1 does not allow at position %d", what, s, i+1)
		}
	}
	return nil
}

// checkExpiry validates a YYYY-MM-DD date.
func checkExpiry(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return fmt.Errorf("expiry %q is not a YYYY-MM-DD date", s)
	}
	return nil
}

// Content IDs: an event's ID may be the hash of its own content,
// ContentIDPrefix + the unpadded base64url SHA-256 of the event's canonical
// JSON (the event with an empty ID and its time in UTC, as encoding/json
// writes Event) + ContentIDSuffix (RFC 6920 "ni" form). The same content
// always has the same ID and different content never does, so a replay of
// such an event is found in the record of the pack it names and an ID
// conflict cannot happen: a content-addressed event about one pack costs
// that pack's key only, no separate event-ID key.
const (
	ContentIDPrefix = "ni:///sha-256;"
	ContentIDSuffix = "?ver=medtrace1"
)

// contentIDLen is the length of a content ID: prefix, 43 base64url
// characters, suffix.
const contentIDLen = len(ContentIDPrefix) + 43 + len(ContentIDSuffix)

// ContentID returns the content-addressed ID of ev (ev.ID is ignored).
func ContentID(ev *Event) string {
	c := *ev
	c.ID = ""
	c.Time = c.Time.UTC()
	b, _ := json.Marshal(&c) // cannot fail: plain fields only
	sum := sha256.Sum256(b)
	return ContentIDPrefix + base64.RawURLEncoding.EncodeToString(sum[:]) + ContentIDSuffix
}

// isContentID reports whether id has the form of a content ID (whether it
// matches the content is ContentID's to say).
func isContentID(id string) bool {
	return len(id) == contentIDLen && strings.HasPrefix(id, ContentIDPrefix) && strings.HasSuffix(id, ContentIDSuffix)
}

// checkEventID accepts a UUID (the client's capture ID) or an EPCIS event
// hash URI (ni:///sha-256;...).
func checkEventID(id string) error {
	if isUUID(id) {
		return nil
	}
	if strings.HasPrefix(id, "ni:///") && len(id) <= 200 && !strings.ContainsAny(id, " \t\r\n\"\\") {
		return nil
	}
	return fmt.Errorf("event ID %q is neither a UUID nor an ni:/// event hash", id)
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// eventURI is the EPCIS eventID of a client event ID.
func eventURI(id string) string {
	if isUUID(id) {
		return "urn:uuid:" + strings.ToLower(id)
	}
	return id
}

// PackKey is how a pack is named inside an SSCC's children: the 14-digit
// GTIN, a slash, and the serial.
func PackKey(gtin, serial string) string { return gtin + "/" + serial }

// splitChild parses a child reference: an 18-digit SSCC or GTIN/serial.
func splitChild(ref string) (sscc, gtin, serial string, err error) {
	if len(ref) == 18 && digits(ref) {
		return ref, "", "", checkSSCC(ref)
	}
	if len(ref) > 15 && ref[14] == '/' {
		gtin, serial = ref[:14], ref[15:]
		if err := checkGTIN(gtin); err != nil {
			return "", "", "", err
		}
		if err := checkText("serial", serial, 20); err != nil {
			return "", "", "", err
		}
		return "", gtin, serial, nil
	}
	return "", "", "", fmt.Errorf("child %q is neither an 18-digit SSCC nor GTIN/serial", ref)
}

// escapeEPC percent-encodes the characters the EPC Tag Data Standard does
// not allow literally in a URI component.
func escapeEPC(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(`"%&/<>?#`, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// prefixLen finds the registered GS1 company prefix that key (starting at
// the company prefix) begins with.
func (c *Config) prefixLen(key string) int {
	best := 0
	for _, o := range c.Orgs {
		for _, p := range o.Prefixes {
			if len(p) > best && strings.HasPrefix(key, p) {
				best = len(p)
			}
		}
	}
	if best == 0 {
		return defaultPrefixLen
	}
	return best
}

func (c *Config) sgtin(gtin, serial string) string {
	l := c.prefixLen(gtin[1:13])
	return "urn:epc:id:sgtin:" + gtin[1:1+l] + "." + gtin[:1] + gtin[1+l:13] + "." + escapeEPC(serial)
}

func (c *Config) lgtin(gtin, batch string) string {
	l := c.prefixLen(gtin[1:13])
	return "urn:epc:class:lgtin:" + gtin[1:1+l] + "." + gtin[:1] + gtin[1+l:13] + "." + escapeEPC(batch)
}

func (c *Config) sscc(s string) string {
	l := c.prefixLen(s[1:17])
	return "urn:epc:id:sscc:" + s[1:1+l] + "." + s[:1] + s[1+l:17]
}

func (c *Config) sgln(gln string) string {
	l := c.prefixLen(gln[:12])
	return "urn:epc:id:sgln:" + gln[:l] + "." + gln[l:12] + ".0"
}

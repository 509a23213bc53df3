package gs1

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultDLStem is GS1's canonical Digital Link resolver, used when no stem is given.
const DefaultDLStem = "https://id.gs1.org"

// ErrNoPrimaryKey means the elements hold no GS1 Digital Link primary key
// (GTIN, SSCC, GLN, ...), so no Digital Link URI can be made.
var ErrNoPrimaryKey = errors.New("gs1: no digital link primary key among the elements")

// ErrNotDLAttribute means an element may not be carried as a Digital Link
// query attribute.
var ErrNotDLAttribute = errors.New("gs1: element not permitted as a digital link attribute")

// ProblemsError carries the problems that stopped an operation.
type ProblemsError struct {
	Problems []Problem
}

// Error joins the problems' messages.
func (e *ProblemsError) Error() string {
	msgs := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		msgs = append(msgs, p.Message)
	}
	return "gs1: " + strings.Join(msgs, " ")
}

// uriChars are the characters permitted anywhere in a URI (RFC 3986 plus "%").
func isURIChar(c byte) bool {
	if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0
}

// convenienceAlphas are the deprecated Digital Link path aliases.
func convenienceAlpha(s string) string {
	switch s {
	case "cpid":
		return "8010"
	case "cpsn":
		return "8011"
	case "cpv":
		return "22"
	case "gcn":
		return "255"
	case "gdti":
		return "253"
	case "giai":
		return "8004"
	case "ginc":
		return "401"
	case "gln":
		return "414"
	case "glnx":
		return "254"
	case "gmn":
		return "8013"
	case "grai":
		return "8003"
	case "gsin":
		return "402"
	case "gsrn":
		return "8018"
	case "gsrnp":
		return "8017"
	case "gtin":
		return "01"
	case "itip":
		return "8006"
	case "lot":
		return "10"
	case "party":
		return "417"
	case "refno":
		return "8020"
	case "ser":
		return "21"
	case "srin":
		return "8019"
	case "sscc":
		return "00"
	}
	return ""
}

// UnescapeURIComponent reverses percent-encoding as GS1's engine does: a "%"
// not followed by two hex digits stays as it is, and in a query component
// "+" means a space.
func UnescapeURIComponent(s string, query bool) string {
	out, _ := unescapeMapped(s, query, 0, false)
	return out
}

// unescapeMapped unescapes s; when wantMap it also returns, for each output
// byte, the offset (base-relative) of its source, plus a final end offset.
func unescapeMapped(s string, query bool, base int, wantMap bool) (string, []int) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	var m []int
	if wantMap {
		m = make([]int, 0, len(s)+1)
	}
	for i := 0; i < len(s); i++ {
		if wantMap {
			m = append(m, base+i)
		}
		switch {
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case query && s[i] == '+':
			b.WriteByte(' ')
		default:
			b.WriteByte(s[i])
		}
	}
	if wantMap {
		m = append(m, base+len(s))
	}
	return b.String(), m
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isUnreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// EscapeURIComponent percent-encodes everything but RFC 3986 unreserved
// characters; in a query component a space becomes "+".
func EscapeURIComponent(s string, query bool) string {
	i := 0
	for i < len(s) && isUnreserved(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*(len(s)-i))
	writeEscaped(&b, s, query)
	return b.String()
}

// writeEscaped writes s to b percent-encoded as EscapeURIComponent does.
func writeEscaped(b *strings.Builder, s string, query bool) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isUnreserved(c):
			b.WriteByte(c)
		case c == ' ' && query:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
}

// validPathSeq reports whether ais (key first) is a valid key-qualifier sequence.
func validPathSeq(ais []string) bool {
	if len(ais) == 0 {
		return false
	}
	key := lookupExact(ais[0])
	if key == nil || !key.DLPKey {
		return false
	}
	if len(ais) == 1 {
		return true
	}
	for _, alt := range key.DLQualifiers {
		if subsequence(ais[1:], alt) {
			return true
		}
	}
	return false
}

// subsequence reports whether seq appears in alt in order (gaps allowed).
func subsequence(seq, alt []string) bool {
	k := 0
	for _, q := range seq {
		for k < len(alt) && alt[k] != q {
			k++
		}
		if k == len(alt) {
			return false
		}
		k++
	}
	return true
}

// isQualifierOf reports whether ai is one of the Digital Link key
// qualifiers of the primary key entry key.
func isQualifierOf(key *Entry, ai string) bool {
	for _, alt := range key.DLQualifiers {
		for _, q := range alt {
			if q == ai {
				return true
			}
		}
	}
	return false
}

func isDLPKey(ai string) bool {
	e := lookupExact(ai)
	return e != nil && e.DLPKey
}

type dlElem struct {
	Element
	entry  *Entry
	inPath bool
	vstart int
	posMap []int
}

// ParseDigitalLink parses a GS1 Digital Link URI (any domain, any path
// prefix before the primary key) into elements in URI order: the primary
// key, its key qualifiers from the path, then the AI query attributes.
// Non-AI query parameters and the fragment are ignored. GS1's rules apply:
// a valid key-qualifier sequence, qualifiers in the path not the query, no
// AI twice, only "?"-flagged AIs as query attributes, percent-decoding, and
// no convenience alphas unless opt permits them.
func ParseDigitalLink(uri string, opt Options) ([]Element, []Problem) {
	if len(uri) > MaxInputLen {
		return nil, tooLongInput(len(uri))
	}
	bad := func(pos, n int, msg string) []Problem {
		return []Problem{{Pos: pos, Len: n, Code: CodeBadDigitalLink, Message: msg}}
	}
	if uri == "" {
		return nil, []Problem{{Pos: 0, Code: CodeEmptyData, Message: "The code is empty."}}
	}
	for i := 0; i < len(uri); i++ {
		if !isURIChar(uri[i]) {
			return nil, []Problem{{Pos: i, Len: 1, Code: CodeReservedCharacterURI,
				Message: fmt.Sprintf("The web address has %s, which a URI cannot contain.", charDesc(uri[i]))}}
		}
	}
	var p int
	switch {
	case strings.HasPrefix(uri, "https://"), strings.HasPrefix(uri, "HTTPS://"):
		p = 8
	case strings.HasPrefix(uri, "http://"), strings.HasPrefix(uri, "HTTP://"):
		p = 7
	default:
		return nil, bad(0, 0, "The web address does not start with http:// or https://.")
	}
	slash := strings.IndexByte(uri[p:], '/')
	if slash < 1 {
		return nil, bad(p, 0, "The web address has no domain name followed by a path.")
	}
	domain := uri[p : p+slash]
	if i := strings.IndexAny(domain, "_~?#@!$&'()*+,;=%"); i >= 0 {
		return nil, bad(p+i, 1, fmt.Sprintf("The domain name has %s, which a domain cannot contain.", charDesc(domain[i])))
	}
	piStart := p + slash
	end := len(uri)
	if i := strings.IndexByte(uri[piStart:], '#'); i >= 0 {
		end = piStart + i
	}
	qStart := -1
	piEnd := end
	if i := strings.IndexByte(uri[piStart:end], '?'); i >= 0 {
		piEnd = piStart + i
		qStart = piEnd + 1
	}
	pi := uri[piStart:piEnd]

	// Segment offsets of the path info: seg[i] starts at segOff[i].
	segs := strings.Split(pi[1:], "/")
	segOff := make([]int, len(segs))
	off := piStart + 1
	for i, s := range segs {
		segOff[i] = off
		off += len(s) + 1
	}
	aiOfSeg := func(s string) *Entry {
		if opt.PermitConvenienceAlphas && len(s) >= 3 && len(s) <= 5 && !isDigit(s[0]) {
			if ai := convenienceAlpha(s); ai != "" {
				return lookupExact(ai)
			}
		}
		return resolveAI(s, opt)
	}
	// Walk back from the end in AI/value pairs to find the primary key.
	keyIdx := -1
	for k := len(segs) - 1; k >= 1; k -= 2 {
		e := aiOfSeg(segs[k-1])
		if e == nil {
			break
		}
		if isDLPKey(e.AI) {
			keyIdx = k - 1
			break
		}
	}
	if keyIdx < 0 {
		return nil, []Problem{{Pos: piStart, Len: piEnd - piStart, Code: CodeNoPrimaryKey,
			Message: "The web address has no GS1 key (such as /01/ followed by a GTIN) in its path."}}
	}

	nEls := (len(segs) - keyIdx) / 2
	if qStart >= 0 {
		nEls += strings.Count(uri[qStart:end], "&") + 1
	}
	els := make([]dlElem, 0, nEls)
	var probs cappedProblems
	for k := keyIdx; k+1 < len(segs); k += 2 {
		e := aiOfSeg(segs[k])
		if segs[k+1] == "" {
			return nil, []Problem{{AI: e.AI, Pos: segOff[k], Len: len(segs[k]), Code: CodeEmptyValue,
				Message: fmt.Sprintf("%s has no value in the web address path.", aiLabel(e.AI))}}
		}
		val, m := unescapeMapped(segs[k+1], false, segOff[k+1], true)
		if strings.IndexByte(val, 0) >= 0 {
			return nil, bad(segOff[k+1], len(segs[k+1]), fmt.Sprintf("%s: the value decodes to a NUL byte.", aiLabel(e.AI)))
		}
		if opt.PermitZeroSuppressedGTINinDLuris && e.AI == "01" && (len(val) == 8 || len(val) == 12 || len(val) == 13) {
			val, m = padGTIN(val, m, segOff[k+1])
		}
		els = append(els, dlElem{Element: Element{AI: e.AI, Value: val, Pos: segOff[k]}, entry: e, inPath: true, vstart: segOff[k+1], posMap: m})
	}
	// The path holds a key and at most a few qualifiers: no heap for them.
	var pathBuf, trialBuf [8]string
	pathAIs := pathBuf[:0]
	for _, el := range els {
		pathAIs = append(pathAIs, el.AI)
	}

	if qStart >= 0 {
		q := uri[qStart:end]
		qoff := qStart
		for _, param := range strings.Split(q, "&") {
			poff := qoff
			qoff += len(param) + 1
			if param == "" {
				continue
			}
			eq := strings.IndexByte(param, '=')
			if eq < 0 {
				continue // singleton: not AI data
			}
			key := param[:eq]
			if key == "" || !allDigits(key) {
				continue // non-numeric: not AI data
			}
			e := resolveAI(key, opt)
			if e == nil {
				return nil, []Problem{{AI: key, Pos: poff, Len: len(key), Code: CodeUnknownAI,
					Message: fmt.Sprintf("The query parameter %s is numeric but not a known GS1 AI.", key)}}
			}
			raw := param[eq+1:]
			if raw == "" {
				return nil, []Problem{{AI: key, Pos: poff, Len: len(param), Code: CodeEmptyValue,
					Message: fmt.Sprintf("%s has no value in the web address query.", aiLabel(key))}}
			}
			val, m := unescapeMapped(raw, true, poff+eq+1, true)
			if strings.IndexByte(val, 0) >= 0 {
				return nil, bad(poff+eq+1, len(raw), fmt.Sprintf("%s: the value decodes to a NUL byte.", aiLabel(key)))
			}
			if opt.PermitZeroSuppressedGTINinDLuris && key == "01" && (len(val) == 8 || len(val) == 12 || len(val) == 13) {
				val, m = padGTIN(val, m, poff+eq+1)
			}
			els = append(els, dlElem{Element: Element{AI: key, Value: val, Pos: poff}, entry: e, vstart: poff + eq + 1, posMap: m})
		}
	}

	// GS1 Digital Link fixes the order of the path: the primary key first,
	// then its qualifiers. A path stem before the key is allowed and
	// ignored, but a stem that ends in one of the key's own qualifiers with
	// a value (/21/ABC/01/...) is that qualifier out of place, not a stem.
	if keyIdx >= 2 {
		if q := aiOfSeg(segs[keyIdx-2]); q != nil && isQualifierOf(els[0].entry, q.AI) && segs[keyIdx-1] != "" {
			probs.add(Problem{AI: q.AI, Pos: segOff[keyIdx-2], Len: segOff[keyIdx] - 1 - segOff[keyIdx-2], Code: CodeBadKeyQualifier,
				Message: fmt.Sprintf("%s comes before %s in the web address path; the key must come first, then its qualifiers.", aiLabel(q.AI), aiLabel(els[0].AI))})
		}
	}
	// Structure: the path must be a valid key-qualifier sequence, and each
	// query AI must be new, a permitted attribute, and not a qualifier that
	// belongs in the path. Then each value is checked like any AI value.
	if !validPathSeq(pathAIs) {
		probs.add(Problem{AI: pathAIs[0], Pos: els[0].Pos, Len: piEnd - els[0].Pos, Code: CodeBadKeyQualifier,
			Message: fmt.Sprintf("The path %s is not a valid order of GS1 key and qualifiers for %s.", printable(uri[els[0].Pos-1:piEnd]), aiLabel(pathAIs[0]))})
	}
	trial := trialBuf[:0]
	for i, el := range els {
		if el.inPath {
			continue
		}
		dup := false
		for j := 0; j < i; j++ {
			if els[j].AI == el.AI {
				dup = true
				break
			}
		}
		if dup {
			if !probs.full(false) {
				probs.add(Problem{AI: el.AI, Pos: el.Pos, Len: len(el.AI), Code: CodeDuplicateAI,
					Message: fmt.Sprintf("%s appears more than once in the web address.", aiLabel(el.AI))})
			}
			continue
		}
		if !el.entry.DLAttr || (el.entry.Unknown && !opt.PermitUnknownAIsAsDLAttributes) {
			if !probs.full(false) {
				probs.add(Problem{AI: el.AI, Pos: el.Pos, Len: len(el.AI), Code: CodeNotDLAttribute,
					Message: fmt.Sprintf("%s may not be given as a web address query parameter.", aiLabel(el.AI))})
			}
			continue
		}
		for j := 1; j <= len(pathAIs); j++ {
			trial = append(trial[:0], pathAIs[:j]...)
			trial = append(trial, el.entry.AI)
			trial = append(trial, pathAIs[j:]...)
			if validPathSeq(trial) {
				if !probs.full(false) {
					probs.add(Problem{AI: el.AI, Pos: el.Pos, Len: len(el.AI), Code: CodeQualifierNotInPath,
						Message: fmt.Sprintf("%s qualifies %s and belongs in the web address path, not the query.", aiLabel(el.AI), aiLabel(pathAIs[0]))})
				}
				break
			}
		}
	}
	out := make([]Element, 0, len(els))
	for _, el := range els {
		out = append(out, el.Element)
		if vp, ok := checkValue(el.AI, el.entry, el.Value); !ok && !probs.full(false) {
			probs.add(vp.toProblem(el.AI, el.vstart, el.posMap))
		}
	}
	return out, probs.problems()
}

// padGTIN left-pads a GTIN-8/12/13 to 14 digits, keeping the position map
// (base is the input offset of the value when m is nil).
func padGTIN(val string, m []int, base int) (string, []int) {
	pad := 14 - len(val)
	if m == nil {
		m = make([]int, len(val)+1)
		for i := range m {
			m[i] = base + i
		}
	}
	nm := make([]int, 0, len(m)+pad)
	for i := 0; i < pad; i++ {
		nm = append(nm, m[0]) // padding zeros map to the value's start
	}
	return strings.Repeat("0", pad) + val, append(nm, m...)
}

// DigitalLinkURI makes a GS1 Digital Link URI from elements: the first
// element that is a primary key goes in the path with the qualifiers that
// fit it best, in GS1's order; the other elements become query attributes,
// predefined-length AIs first. A repeated AI is written once. stem "" means
// https://id.gs1.org. Unknown AIs are rejected (see DigitalLinkURIOpt).
func DigitalLinkURI(stem string, elems []Element) (string, error) {
	return DigitalLinkURIOpt(stem, elems, Options{})
}

// DigitalLinkURIOpt is DigitalLinkURI with options: PermitUnknownAIs with
// PermitUnknownAIsAsDLAttributes lets unknown AIs become query attributes.
func DigitalLinkURIOpt(stem string, elems []Element, opt Options) (string, error) {
	// Small element lists (every real pack) need no heap for the bookkeeping.
	var entriesBuf [16]*Entry
	var inPathBuf [16]bool
	entries, inPath := entriesBuf[:0], inPathBuf[:0]
	if len(elems) > len(entriesBuf) {
		entries, inPath = make([]*Entry, 0, len(elems)), make([]bool, 0, len(elems))
	}
	entries, inPath = entries[:len(elems)], inPath[:len(elems)]
	var probs cappedProblems
	for i, el := range elems {
		e := resolveAI(el.AI, opt)
		if e == nil {
			if !probs.full(false) {
				probs.add(Problem{AI: el.AI, Pos: el.Pos, Code: CodeUnknownAI, Message: fmt.Sprintf("AI (%s) is not a known GS1 AI.", el.AI)})
			}
			continue
		}
		entries[i] = e
		if vp, ok := checkValue(el.AI, e, el.Value); !ok && !probs.full(false) {
			// The elements' input is not known here: no position.
			q := vp.toProblem(el.AI, 0, nil)
			q.Pos, q.Len = -1, 0
			probs.add(q)
		}
	}
	if len(probs.list) > 0 {
		return "", &ProblemsError{Problems: probs.problems()}
	}
	keyAt := -1
	for i, e := range entries {
		if e.DLPKey {
			keyAt = i
			break
		}
	}
	if keyAt < 0 {
		return "", ErrNoPrimaryKey
	}
	key := entries[keyAt]
	// Pick the sequence with the most qualifier matches (first in sorted
	// order on ties), as GS1's engine does.
	seqs := key.dlSeqs
	best := seqs[0]
	bestN := 0
	for _, seq := range seqs[1:] {
		n := 0
		for _, q := range seq[1:] {
			for _, el := range elems {
				if el.AI == q {
					n++
				}
			}
		}
		if n > bestN {
			best, bestN = seq, n
		}
	}
	var b strings.Builder
	if stem == "" {
		stem = DefaultDLStem
	}
	stem = strings.TrimSuffix(stem, "/")
	n := len(stem)
	for _, el := range elems {
		n += len(el.AI) + len(el.Value) + 2
	}
	b.Grow(n + n/4)
	b.WriteString(stem)
	for _, ai := range best {
		first := true
		for i, el := range elems {
			if el.AI != ai {
				continue
			}
			inPath[i] = true
			if first {
				b.WriteByte('/')
				b.WriteString(el.AI)
				b.WriteByte('/')
				writeEscaped(&b, el.Value, false)
				first = false
			}
		}
	}
	sep := byte('?')
	for _, fixedPass := range []bool{true, false} {
		for i, el := range elems {
			if inPath[i] || entries[i].Fixed != fixedPass {
				continue
			}
			dup := false
			for j := 0; j < i; j++ {
				if elems[j].AI == el.AI && !inPath[j] {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			e := entries[i]
			if !e.DLAttr || (e.Unknown && !opt.PermitUnknownAIsAsDLAttributes) {
				return "", fmt.Errorf("%w: AI (%s)", ErrNotDLAttribute, el.AI)
			}
			b.WriteByte(sep)
			sep = '&'
			b.WriteString(el.AI)
			b.WriteByte('=')
			writeEscaped(&b, el.Value, true)
		}
	}
	return b.String(), nil
}

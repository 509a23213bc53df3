package gs1

import (
	"fmt"
	"strings"
)

// GS is the ASCII group separator that stands for FNC1 between fields.
const GS = '\x1d'

// valueProblem is one problem found in an AI value, positioned within the
// value. Its sentence is written only when it is reported (see message), so
// problems past MaxProblems cost no formatting.
type valueProblem struct {
	code     Code
	linter   string
	pos, len int
	// What message needs: the AI, its entry and value, and for a linter
	// failure the component, its offset in the value and the failure.
	ai    string
	e     *Entry
	value string
	comp  string
	off   int
	le    lintErr
}

// message writes the problem's sentence.
func (vp valueProblem) message() string {
	switch {
	case vp.code == CodeEmptyValue:
		return aiLabel(vp.ai) + " has no data."
	case vp.le.failed():
		return linterMessage(vp.ai, vp.comp, vp.off, vp.le)
	}
	return lengthMessage(aiLabel(vp.ai), vp.value, vp.e, vp.code == CodeTooShort)
}

// checkValue validates a whole AI value against its entry: length bounds,
// then each component's character set and linters. It reports the first
// problem, positioned within value.
func checkValue(ai string, e *Entry, value string) (valueProblem, bool) {
	vp := valueProblem{ai: ai, e: e, value: value}
	fail := func(code Code, pos, n int) (valueProblem, bool) {
		vp.code, vp.pos, vp.len = code, pos, n
		return vp, false
	}
	if value == "" {
		return fail(CodeEmptyValue, 0, 0)
	}
	if min := e.MinLen(); len(value) < min {
		return fail(CodeTooShort, 0, len(value))
	}
	if max := e.MaxLen(); len(value) > max {
		return fail(CodeTooLong, max, len(value)-max)
	}
	p := 0
	for _, c := range e.Components {
		n := len(value) - p
		if n > c.Max {
			n = c.Max
		}
		if c.Optional && n == 0 {
			continue
		}
		if n < c.Min {
			return fail(CodeTooShort, p, n)
		}
		comp := value[p : p+n]
		var le lintErr
		switch c.Charset {
		case Numeric:
			le = lintCsetNumeric(comp)
		case CSet82:
			le = lintCset82(comp)
		case CSet39:
			le = lintCset39(comp)
		case CSet64:
			le = lintCset64(comp)
		}
		for _, name := range c.Linters {
			if le.failed() {
				break
			}
			if f, ok := linterByName(name); ok {
				le = f(comp)
			}
		}
		if le.failed() {
			vp.linter, vp.comp, vp.off, vp.le = le.name, comp, p, le
			return fail(codeForLinter(le.name), p+le.pos, le.len)
		}
		p += n
	}
	if p != len(value) {
		return fail(CodeTooLong, p, len(value)-p)
	}
	return valueProblem{}, true
}

func lengthMessage(label, value string, e *Entry, short bool) string {
	min, max := e.MinLen(), e.MaxLen()
	var need string
	switch {
	case min == max:
		need = fmt.Sprintf("exactly %d characters", max)
	case short:
		need = fmt.Sprintf("at least %d characters", min)
	default:
		need = fmt.Sprintf("at most %d characters", max)
	}
	what := "too long"
	if short {
		what = "too short"
	}
	return fmt.Sprintf("%s: %s is %s (%d characters; it needs %s).", label, printable(value), what, len(value), need)
}

// toProblem positions a value problem in the input: base is the input offset
// of the value and posMap, when not nil, maps value offsets to input offsets.
func (vp valueProblem) toProblem(ai string, base int, posMap []int) Problem {
	pos := base + vp.pos
	n := vp.len
	if posMap != nil {
		start := vp.pos
		if start > len(posMap)-1 {
			start = len(posMap) - 1
		}
		end := vp.pos + vp.len
		if end > len(posMap)-1 {
			end = len(posMap) - 1
		}
		pos = posMap[start]
		n = posMap[end] - pos
	}
	return Problem{AI: ai, Pos: pos, Len: n, Code: vp.code, Message: vp.message(), Linter: vp.linter}
}

func tooLongInput(n int) []Problem {
	return []Problem{{Pos: MaxInputLen, Len: n - MaxInputLen, Code: CodeInputTooLong,
		Message: fmt.Sprintf("The code is %d bytes long; at most %d are accepted.", n, MaxInputLen)}}
}

// ParseElementString parses GS1 element strings as a scanner delivers them,
// without the leading FNC1: AIs follow one another, a predefined-length AI
// needs no separator, and a variable-length AI ends at a GS (0x1D) or at the
// end of the data. Every element is returned with its position; every
// problem found is reported. A GS after a predefined-length field or at the
// very end is reported as a warning (CodeRedundantSeparator).
func ParseElementString(data string, opt Options) ([]Element, []Problem) {
	if len(data) > MaxInputLen {
		return nil, tooLongInput(len(data))
	}
	if data == "" {
		return nil, []Problem{{Pos: 0, Code: CodeEmptyData, Message: "The code is empty."}}
	}
	// A pack carries a handful of elements: one allocation for up to 8.
	elems := make([]Element, 0, min(len(data)/3+1, 8))
	var probs cappedProblems
	pos := 0
	for pos < len(data) {
		if data[pos] == GS {
			if !probs.full(false) {
				msg := "A separator stands where an AI should start."
				switch {
				case pos == 0:
					msg = "The code starts with a separator where an AI should start."
				case data[pos-1] == GS:
					msg = "Two separators in a row: an AI should start here."
				}
				probs.add(Problem{Pos: pos, Len: 1, Code: CodeBadSyntax, Message: msg})
			}
			pos++
			continue
		}
		e, ai, prob := aiAt(data, pos, opt)
		if prob != nil {
			probs.add(*prob)
			return elems, probs.problems()
		}
		vstart := pos + len(ai)
		// The value runs to the next GS; a fixed-length value stops at its
		// length, so only that far is searched (many short fields stay linear).
		end := len(data)
		if e.Fixed && vstart+e.MaxLen() < end {
			end = vstart + e.MaxLen()
		}
		ext := strings.IndexByte(data[vstart:end], GS)
		if ext < 0 {
			ext = end - vstart
		}
		value := data[vstart : vstart+ext]
		elems = append(elems, Element{AI: ai, Value: value, Pos: pos})
		if vp, ok := checkValue(ai, e, value); !ok && !probs.full(false) {
			probs.add(vp.toProblem(ai, vstart, nil))
		}
		pos = vstart + ext
		if pos < len(data) && data[pos] == GS {
			if probs.full(true) {
				// Left out: a warning past MaxProblems.
			} else if e.Fixed && ext == e.MaxLen() {
				probs.add(Problem{AI: ai, Pos: pos, Len: 1, Code: CodeRedundantSeparator, Warning: true,
					Message: fmt.Sprintf("%s has a fixed length, so the separator after it is not needed.", aiLabel(ai))})
			} else if pos == len(data)-1 {
				probs.add(Problem{AI: ai, Pos: pos, Len: 1, Code: CodeRedundantSeparator, Warning: true,
					Message: "The separator at the end of the code is not needed."})
			}
			pos++
		}
	}
	return elems, probs.problems()
}

// aiAt reads the AI starting at pos of an element string.
func aiAt(data string, pos int, opt Options) (*Entry, string, *Problem) {
	rest := data[pos:]
	if len(rest) < 2 || !allDigits(rest[:2]) {
		show := rest
		if len(show) > 4 {
			show = show[:4]
		}
		return nil, "", &Problem{Pos: pos, Len: len(show), Code: CodeUnknownAI,
			Message: fmt.Sprintf("No GS1 AI starts with %s, so the rest cannot be read.", printable(show))}
	}
	n := aiLenByPrefix(rest[:2])
	if n == 0 {
		return nil, "", &Problem{AI: rest[:2], Pos: pos, Len: 2, Code: CodeUnknownAI,
			Message: fmt.Sprintf("No GS1 AI starts with %s, so the rest cannot be read.", rest[:2])}
	}
	if len(rest) < n || !allDigits(rest[:n]) {
		show := rest
		if len(show) > n {
			show = show[:n]
		}
		return nil, "", &Problem{Pos: pos, Len: len(show), Code: CodeUnknownAI,
			Message: fmt.Sprintf("The AI %s is incomplete.", printable(show))}
	}
	ai := rest[:n]
	e := resolveAI(ai, opt)
	if e == nil {
		return nil, ai, &Problem{AI: ai, Pos: pos, Len: n, Code: CodeUnknownAI,
			Message: fmt.Sprintf("AI (%s) is not a known GS1 AI, so the rest cannot be read.", ai)}
	}
	return e, ai, nil
}

// ParseBracketed parses the bracketed human-readable form, e.g.
// "(01)09506000134352(17)201225(10)ABC". A "(" inside data is written "\(";
// a ")" may be written ")" or "\)".
// Every element and every problem found is returned.
func ParseBracketed(s string, opt Options) ([]Element, []Problem) {
	if len(s) > MaxInputLen {
		return nil, tooLongInput(len(s))
	}
	if s == "" {
		return nil, []Problem{{Pos: 0, Code: CodeEmptyData, Message: "The code is empty."}}
	}
	elems := make([]Element, 0, min(strings.Count(s, "(")-strings.Count(s, `\(`), 16))
	var probs cappedProblems
	i := 0
	for i < len(s) {
		if s[i] != '(' {
			probs.add(Problem{Pos: i, Len: 1, Code: CodeBadSyntax,
				Message: fmt.Sprintf("Expected \"(\" to open an AI, found %s.", charDesc(s[i]))})
			return elems, probs.problems()
		}
		closeAt := strings.IndexByte(s[i+1:], ')')
		if closeAt < 0 {
			probs.add(Problem{Pos: i, Len: len(s) - i, Code: CodeBadSyntax,
				Message: "An AI opened with \"(\" is not closed with \")\"."})
			return elems, probs.problems()
		}
		closeAt += i + 1
		ai := s[i+1 : closeAt]
		start := i
		// Value: up to the next "(" that is not escaped as "\(".
		vstart := closeAt + 1
		var b strings.Builder
		var posMap []int
		j := vstart
		escaped := false
		for {
			for j < len(s) && s[j] != '(' {
				j++
			}
			if j < len(s) && j-1 >= vstart && s[j-1] == '\\' {
				escaped = true
				j++
				continue
			}
			break
		}
		raw := s[vstart:j]
		value := raw
		// "\)" is read as ")" too: people escape both parentheses of a
		// pair, and no GS1 character set has "\", so no valid value changes.
		if escaped || strings.Contains(raw, `\)`) {
			posMap = make([]int, 0, len(raw)+1)
			for k := 0; k < len(raw); k++ {
				if raw[k] == '\\' && k+1 < len(raw) && (raw[k+1] == '(' || raw[k+1] == ')') {
					continue
				}
				posMap = append(posMap, vstart+k)
				b.WriteByte(raw[k])
			}
			posMap = append(posMap, j)
			value = b.String()
		}
		i = j
		if len(ai) < 2 || len(ai) > 4 || !allDigits(ai) {
			if probs.full(false) {
				continue
			}
			probs.add(Problem{Pos: start + 1, Len: len(ai), Code: CodeBadAI,
				Message: fmt.Sprintf("%s is not an AI (AIs are 2 to 4 digits).", printable(ai))})
			continue
		}
		e := resolveAI(ai, opt)
		if e == nil {
			if probs.full(false) {
				continue
			}
			probs.add(Problem{AI: ai, Pos: start + 1, Len: len(ai), Code: CodeUnknownAI,
				Message: fmt.Sprintf("AI (%s) is not a known GS1 AI.", ai)})
			continue
		}
		elems = append(elems, Element{AI: ai, Value: value, Pos: start + 1})
		if vp, ok := checkValue(ai, e, value); !ok && !probs.full(false) {
			probs.add(vp.toProblem(ai, vstart, posMap))
		}
	}
	return elems, probs.problems()
}

package gs1

import "strings"

// HRI renders each element as a human-readable line, e.g. "(01) 09506000134352".
func HRI(elems []Element) []string {
	// One backing string for every line: two allocations in all.
	n := 0
	for _, e := range elems {
		n += len(e.AI) + len(e.Value) + 3
	}
	var b strings.Builder
	b.Grow(n)
	for _, e := range elems {
		b.WriteByte('(')
		b.WriteString(e.AI)
		b.WriteString(") ")
		b.WriteString(e.Value)
	}
	all := b.String()
	out := make([]string, 0, len(elems))
	p := 0
	for _, e := range elems {
		l := len(e.AI) + len(e.Value) + 3
		out = append(out, all[p:p+l])
		p += l
	}
	return out
}

// HRIWithTitles renders each element with its dictionary title in front,
// e.g. "GTIN (01) 09506000134352".
func HRIWithTitles(elems []Element) []string {
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		title := "UNKNOWN"
		if en := lookupExact(e.AI); en != nil {
			title = en.Title
		}
		out = append(out, title+" ("+e.AI+") "+e.Value)
	}
	return out
}

// Bracketed renders elements in the bracketed form, escaping "(" in data as "\(".
func Bracketed(elems []Element) string {
	var b strings.Builder
	n := 0
	for _, e := range elems {
		n += len(e.AI) + len(e.Value) + 2
	}
	b.Grow(n)
	for _, e := range elems {
		b.WriteByte('(')
		b.WriteString(e.AI)
		b.WriteByte(')')
		if strings.IndexByte(e.Value, '(') < 0 {
			b.WriteString(e.Value)
		} else {
			b.WriteString(strings.ReplaceAll(e.Value, "(", `\(`))
		}
	}
	return b.String()
}

// needsSeparator reports whether a GS must follow the AI's value when
// another element follows: true for variable-length and unknown AIs.
func needsSeparator(ai string) bool {
	if e := lookupExact(ai); e != nil {
		return !e.Fixed
	}
	if len(ai) >= 2 && aiLenByPrefix(ai[:2]) == len(ai) && fixedPrefixValueLen(ai[:2]) > 0 {
		return false
	}
	return true
}

// ElementString renders elements as a GS1 element string without the
// leading FNC1, with a GS (0x1D) only after variable-length fields that are
// not last.
func ElementString(elems []Element) string {
	var b strings.Builder
	n := 0
	for _, e := range elems {
		n += len(e.AI) + len(e.Value) + 1
	}
	b.Grow(n)
	for i, e := range elems {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(elems)-1 && needsSeparator(e.AI) {
			b.WriteByte(GS)
		}
	}
	return b.String()
}

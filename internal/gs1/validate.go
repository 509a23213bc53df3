package gs1

import (
	"fmt"
	"strings"
)

// aiMatches reports whether ai matches a dictionary pattern: the pattern's
// leading digits must be a prefix of ai and its length must match ("310n",
// "31nn" stand for any digit).
func aiMatches(ai, pattern string) bool {
	if len(ai) != len(pattern) {
		return false
	}
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == 'n' {
			continue
		}
		if pattern[i] != ai[i] {
			return false
		}
	}
	return true
}

// findMatch returns the first element AI (other than self) matching pattern.
func findMatch(elems []Element, pattern, self string) (string, bool) {
	for _, e := range elems {
		if e.AI == self {
			continue
		}
		if aiMatches(e.AI, pattern) {
			return e.AI, true
		}
	}
	return "", false
}

// Validate applies GS1's association rules to a set of elements (all the
// data found on one pack): an AI repeated with a different value, mutually
// exclusive AIs (ex=) and required companions (req=). Unknown AIs take part
// only in the repeat check.
func Validate(elems []Element, opt Options) []Problem {
	var probs cappedProblems
	if !opt.SkipRepeats {
		for i := range elems {
			for j := 0; j < i; j++ {
				if elems[j].AI == elems[i].AI {
					if elems[j].Value != elems[i].Value && !probs.full(false) {
						probs.add(Problem{AI: elems[i].AI, Pos: elems[i].Pos, Len: aiLen(elems[i]), Code: CodeRepeatedAI,
							Message: fmt.Sprintf("%s appears twice with different values: %s and %s.",
								aiLabel(elems[i].AI), printable(elems[j].Value), printable(elems[i].Value))})
					}
					break
				}
			}
		}
	}
	reported := map[string]bool{}
	for i, el := range elems {
		e := lookupExact(el.AI)
		if e == nil {
			continue
		}
		first := true
		for j := 0; j < i; j++ {
			if elems[j].AI == el.AI {
				first = false
				break
			}
		}
		if !first {
			continue
		}
		if !opt.SkipExclusive {
			for _, pat := range e.Ex {
				other, ok := findMatch(elems, pat, el.AI)
				if !ok {
					continue
				}
				key := pairKey(el.AI, other)
				if reported[key] {
					continue
				}
				reported[key] = true
				if probs.full(false) {
					continue
				}
				probs.add(Problem{AI: el.AI, Pos: el.Pos, Len: aiLen(el), Code: CodeExclusiveAIs,
					Message: fmt.Sprintf("%s must not appear together with %s.", aiLabel(el.AI), aiLabel(other))})
			}
		}
		if !opt.SkipRequisite {
			for _, rule := range e.Req {
				if reqSatisfied(elems, rule, el.AI) || probs.full(false) {
					continue
				}
				probs.add(Problem{AI: el.AI, Pos: el.Pos, Len: aiLen(el), Code: CodeMissingRequired,
					Message: fmt.Sprintf("%s needs %s on the same pack.", aiLabel(el.AI), describeReq(rule))})
			}
		}
	}
	if !opt.SkipDigSigSerialisedKey {
		for _, p := range digSigProblems(elems) {
			probs.add(p)
		}
	}
	return probs.problems()
}

// digSigProblems applies the rule that a digital signature (8030) may only
// sign a key that is serialised: a key with an optional serial component
// (GDTI 253, GCN 255, GRAI 8003) must carry it.
func digSigProblems(elems []Element) []Problem {
	has := false
	for _, el := range elems {
		if el.AI == "8030" {
			has = true
			break
		}
	}
	if !has {
		return nil
	}
	var probs []Problem
	for _, el := range elems {
		e := lookupExact(el.AI)
		if e == nil || !e.DLPKey || len(e.Components) < 2 || !e.Components[len(e.Components)-1].Optional {
			continue
		}
		if len(el.Value) <= e.MaxLen()-e.Components[len(e.Components)-1].Max {
			probs = append(probs, Problem{AI: el.AI, Pos: el.Pos, Len: aiLen(el), Code: CodeDigSigUnserialisedKey,
				Message: fmt.Sprintf("%s has no serial component, so the digital signature (8030) cannot sign it.", aiLabel(el.AI))})
		}
	}
	return probs
}

// aiLen is the length to mark for an element's AI: 0 when it has no position.
func aiLen(el Element) int {
	if el.Pos < 0 {
		return 0
	}
	return len(el.AI)
}

func pairKey(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

func reqSatisfied(elems []Element, rule [][]string, self string) bool {
	for _, group := range rule {
		all := true
		for _, pat := range group {
			if _, ok := findMatch(elems, pat, self); !ok {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// describeReq words a req= rule, e.g. "AI (01) or AI (02)".
func describeReq(rule [][]string) string {
	alts := make([]string, 0, len(rule))
	for _, group := range rule {
		parts := make([]string, 0, len(group))
		for _, pat := range group {
			if strings.ContainsRune(pat, 'n') {
				parts = append(parts, "an AI ("+pat+")")
			} else {
				parts = append(parts, aiLabel(pat))
			}
		}
		alts = append(alts, strings.Join(parts, " with "))
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return strings.Join(alts[:len(alts)-1], ", ") + " or " + alts[len(alts)-1]
}

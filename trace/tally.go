package trace

// Tally is what a case or pallet holds, at any depth.
type Tally struct {
	Packs, Active, Units int
	NotActive            []PackRef // the packs inside that are not active, in tree order
}

// Tally counts what c holds, at any depth.
func (c Contents) Tally() Tally {
	var t Tally
	var walk func(c Contents)
	walk = func(c Contents) {
		for _, p := range c.Packs {
			t.Packs++
			if p.Status == PackActive {
				t.Active++
			} else {
				t.NotActive = append(t.NotActive, p)
			}
		}
		for _, u := range c.Units {
			t.Units++
			walk(u)
		}
	}
	walk(c)
	return t
}

// Sound is the rule for a case or pallet as a whole: it is known and
// active here (not in transit, not destroyed or stolen), holds at least
// one pack, and every pack inside is active.
func (c Contents) Sound() bool {
	t := c.Tally()
	return c.Status == PackActive && t.Packs > 0 && len(t.NotActive) == 0
}

// MayHandOut is the rule for one pack: active, and no alert.
func (v Verification) MayHandOut() bool {
	return v.Status == PackActive && len(v.Alerts) == 0
}

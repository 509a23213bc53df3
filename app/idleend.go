package app

import "strconv"

// scanEntries are the scan fields of the desk shown.
func (u *ui) scanEntries() []*ScanEntry {
	var out []*ScanEntry
	add := func(e *ScanEntry) {
		if e != nil {
			out = append(out, e)
		}
	}
	if u.pharm != nil {
		add(u.pharm.entry)
	}
	if u.ware != nil {
		add(u.ware.entry)
	}
	if u.insp != nil {
		add(u.insp.entry)
	}
	if u.manu != nil {
		add(u.manu.shipEntry)
		add(u.manu.lossEntry)
	}
	return out
}

// applyIdleEnd gives every scan field the scan-ending silence of the
// settings (Settings → Scanner): for scanners that send no Enter or Tab.
func (u *ui) applyIdleEnd() {
	for _, e := range u.scanEntries() {
		e.SetIdleEnd(u.set.idleEnd())
	}
}

// idleEndText shows a scan-ending silence in its Settings field: empty
// when off.
func idleEndText(ms int) string {
	if ms == 0 {
		return ""
	}
	return strconv.Itoa(ms)
}

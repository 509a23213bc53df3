package packcode

import "time"

// parseYYMMDD reads six digits as a date. Day 00 means the last day of the
// month. year maps the two-digit year to a full year. ok is false for a
// date that does not exist.
func parseYYMMDD(s string, year func(int) int) (Date, bool) {
	if len(s) != 6 || !allDigits(s) {
		return Date{}, false
	}
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	if mm < 1 || mm > 12 {
		return Date{}, false
	}
	y := year(yy)
	last := time.Date(y, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if dd > last {
		return Date{}, false
	}
	d := Date{Raw: s}
	if dd == 0 {
		d.DayUnspecified = true
		dd = last
	}
	d.T = time.Date(y, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	return d, true
}

// parseYYYYMMDD reads eight digits as a date (IFA 16D production date).
func parseYYYYMMDD(s string) (Date, bool) {
	if len(s) != 8 || !allDigits(s) {
		return Date{}, false
	}
	y := 0
	for i := 0; i < 4; i++ {
		y = y*10 + int(s[i]-'0')
	}
	mm := int(s[4]-'0')*10 + int(s[5]-'0')
	dd := int(s[6]-'0')*10 + int(s[7]-'0')
	if mm < 1 || mm > 12 || dd < 1 {
		return Date{}, false
	}
	t := time.Date(y, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd {
		return Date{}, false
	}
	return Date{Raw: s, T: t}, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

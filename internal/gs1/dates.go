package gs1

import (
	"errors"
	"fmt"
	"time"
)

// ErrBadDate means a GS1 date field does not hold a valid date.
var ErrBadDate = errors.New("gs1: not a valid date")

// ResolveDate turns a GS1 YYMMDD date (AIs 11-17 and others) into a calendar
// date. The century follows GS1's sliding window (General Specifications
// 7.12): relative to now, a two-digit year more than 50 years ahead belongs
// to the previous century and one 50 or more years behind to the next.
// DD=00 is allowed: GS1 defines it as the last day of the month, so an
// expiry of 251100 means 30 November 2025; zeroDay reports that case.
func ResolveDate(yymmdd string, now time.Time) (date time.Time, zeroDay bool, err error) {
	if e := lintDate(yymmdd, false, true); e.failed() {
		return time.Time{}, false, fmt.Errorf("%w: %q (%s)", ErrBadDate, yymmdd, codeForLinter(e.name))
	}
	yy := twoDigits(yymmdd)
	cur := now.Year()
	century := cur - cur%100
	switch diff := yy - cur%100; {
	case diff >= 51:
		century -= 100
	case diff <= -50:
		century += 100
	}
	year := century + yy
	month := twoDigits(yymmdd[2:])
	day := twoDigits(yymmdd[4:])
	if day == 0 {
		day = daysInMonth(year, month)
		zeroDay = true
	} else if day > daysInMonth(year, month) {
		// The linter accepts 29 February of any year divisible by four;
		// the resolved century may make it a non-leap year (e.g. 2100).
		return time.Time{}, false, fmt.Errorf("%w: %q has no day %d in %d", ErrBadDate, yymmdd, day, year)
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), zeroDay, nil
}

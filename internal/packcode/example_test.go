package packcode_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/internal/packcode"
)

func ExampleParse() {
	opt := packcode.Options{Today: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)}
	r := packcode.Parse([]byte("]d20109506000134352172612001012345\x1d21ABC123"), opt)
	fmt.Println(r.Valid, r.Scheme, r.GTIN, r.Serial, r.Batch, r.Expiry, r.Expiry.DayUnspecified)
	fmt.Println(r.DigitalLink)

	bad := packcode.Parse([]byte("]d20109506000134353"), opt)
	fmt.Println(bad.Valid, errors.Is(bad.Err(), packcode.ErrCheckDigit), bad.Problems[0].Code, bad.Problems[0].Pos)

	cn := packcode.Parse([]byte("81234561234567890123"), opt)
	for _, c := range cn.Checks {
		fmt.Printf("%s: %s\n", c.Name, c.Status)
	}
	// Output:
	// true gs1 09506000134352 ABC123 12345 2026-12-31 true
	// https://id.gs1.org/01/09506000134352/10/12345/21/ABC123?17=261200
	// false true check-digit 18
	// length and digits: passed
	// product prefix: passed
	// check digits: not-possible
	// product and serial issued: not-possible
}

package gs1_test

import (
	"fmt"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
)

func ExampleParseElementString() {
	// GTIN, expiry, batch (variable length, so a GS follows), serial.
	elems, problems := gs1.ParseElementString("01095060001343531725023010ABC\x1d21XYZ", gs1.Options{})
	for _, line := range gs1.HRI(elems) {
		fmt.Println(line)
	}
	for _, p := range problems {
		fmt.Println(p.Code, p.Pos, p.Message)
	}
	// Output:
	// (01) 09506000134353
	// (17) 250230
	// (10) ABC
	// (21) XYZ
	// check-digit 15 AI (01) GTIN: check digit is 3, expected 2.
	// bad-date 22 AI (17) expiry: 250230 is not a valid date (day 30).
}

func ExampleParseDigitalLink() {
	elems, problems := gs1.ParseDigitalLink("https://brand.example/p/01/09506000134352/10/ABC?17=251100", gs1.Options{})
	fmt.Println(gs1.Bracketed(elems), len(problems))
	uri, err := gs1.DigitalLinkURI("", elems)
	fmt.Println(uri, err)
	// Output:
	// (01)09506000134352(10)ABC(17)251100 0
	// https://id.gs1.org/01/09506000134352/10/ABC?17=251100 <nil>
}

func ExampleValidate() {
	elems, _ := gs1.ParseBracketed("(10)ABC(21)123", gs1.Options{})
	for _, p := range gs1.Validate(elems, gs1.Options{}) {
		fmt.Println(p.Code, p.AI)
	}
	// Output:
	// missing-required 10
	// missing-required 21
}

func ExampleResolveDate() {
	d, lastDay, err := gs1.ResolveDate("251100", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(d.Format("2006-01-02"), lastDay, err)
	// Output: 2025-11-30 true <nil>
}

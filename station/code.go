package station

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/medtrace/medtrace/internal/packcode"
	"github.com/medtrace/medtrace/trace"
)

// Code is a scanned code as the parser understood it: what the screens
// show and what events are made of.
type Code struct {
	Raw       []byte    // the bytes as scanned
	Valid     bool      // no problem found
	NotACode  bool      // the input is no pack code at all (rather than a damaged one)
	Scheme    string    // "gs1", "cn-drugcode", "ifa" or "unknown"
	GTIN      string    // 14 digits; a China drug code's product: "CN" + 7 digits
	Serial    string    // AI 21; a China drug code's other 13 digits
	Batch     string    // AI 10
	Expiry    time.Time // AI 17 as a date; zero when absent
	ExpiryRaw string    // AI 17 as printed (YYMMDD)
	SSCC      string    // AI 00: a case or pallet
	HRI       string    // human-readable form, e.g. "(01)...(21)..."
	Problems  []Problem // every problem found, empty when Valid
}

// Problem is one thing wrong with a scanned code.
type Problem struct {
	AI      string // the application identifier it concerns, or ""
	Code    string // stable code, e.g. "check-digit"
	Message string // a sentence a pharmacist can read
	Pos     int    // the byte of the scan it concerns, -1 for the whole code
}

// String is the problem as a command prints it: where, then what.
func (p Problem) String() string {
	if p.Pos >= 0 {
		return fmt.Sprintf("at byte %d: %s", p.Pos, p.Message)
	}
	return p.Message
}

// Parse turns the bytes of one scan (optionally led by an AIM symbology
// identifier such as "]d2") into a code. gsSubstitute is the character a
// keyboard-mode scanner sends in place of GS (0 for none). It does no I/O.
func Parse(raw []byte, gsSubstitute byte) Code {
	r := packcode.Parse(raw, packcode.Options{GSSubstitute: gsSubstitute})
	c := Code{Raw: raw, Valid: r.Valid, Scheme: string(r.Scheme), GTIN: r.GTIN, Serial: r.Serial,
		Batch: r.Batch, SSCC: r.SSCC, NotACode: errors.Is(r.Err(), packcode.ErrNotPackCode),
		HRI: strings.Join(r.HRI, " ")}
	if product, serial, ok := r.LedgerPack(); ok {
		// The pack as the ledger names it: a China drug code as its
		// product ("CN" + 7 digits) and the other 13 digits.
		c.GTIN, c.Serial = product, serial
	}
	if r.Expiry != nil {
		c.Expiry, c.ExpiryRaw = r.Expiry.T, r.Expiry.Raw
	}
	for _, p := range r.Problems {
		if !p.Warning {
			c.Problems = append(c.Problems, Problem{AI: p.AI, Code: string(p.Code), Message: p.Message, Pos: p.Pos})
		}
	}
	return c
}

// Parser is Parse as a value, for callers that take an interface.
type Parser struct{}

// Parse calls the package's Parse.
func (Parser) Parse(raw []byte, gsSubstitute byte) Code { return Parse(raw, gsSubstitute) }

// IsPack reports whether c identifies one pack (product and serial).
func (c Code) IsPack() bool { return c.GTIN != "" && c.Serial != "" }

// IsLogistic reports whether c identifies a case or pallet.
func (c Code) IsLogistic() bool { return c.SSCC != "" && c.GTIN == "" }

// Child is c as a child of a case or pallet: the trace core's canonical
// reference is what pack events carry and the ledger checks.
func (c Code) Child() trace.Child {
	if c.IsLogistic() {
		return trace.UnitChild(c.SSCC)
	}
	return trace.PackChild(c.GTIN, c.Serial)
}

// Key returns the identity of the item c names ("sscc:..." or
// "pack:GTIN/serial"), or "" when it names neither.
func (c Code) Key() string {
	switch {
	case c.IsPack():
		return "pack:" + c.GTIN + "/" + c.Serial
	case c.IsLogistic():
		return "sscc:" + c.SSCC
	}
	return ""
}

// ExpiryDate is c's expiry as the ledger writes it (YYYY-MM-DD), "" when
// the code carries none.
func (c Code) ExpiryDate() string {
	if c.Expiry.IsZero() {
		return ""
	}
	return c.Expiry.Format(time.DateOnly)
}

// Event is a business event of kind about the item c names, at location
// (a GLN) and time at (kept in UTC).
func (c Code) Event(kind trace.Kind, at time.Time, location string) trace.Event {
	return trace.Event{Kind: kind, Time: at.UTC(), Location: location,
		GTIN: c.GTIN, Serial: c.Serial, Batch: c.Batch, Expiry: c.ExpiryDate(), SSCC: c.SSCC}
}

// Name is the pack as a person reads it: "GTIN … serial …", or "drug code
// …" for China's code (trace.PackName); "" when c names no pack.
func (c Code) Name() string {
	if !c.IsPack() {
		return ""
	}
	return trace.PackName(c.GTIN, c.Serial)
}

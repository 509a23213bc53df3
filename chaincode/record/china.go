package record

import (
	"fmt"
	"slices"

	"github.com/medtrace/medtrace/trace"
)

// China's 20-digit drug traceability codes on the ledger. A China pack is
// named like a GS1 pack, by product and serial (trace.CNPackOf: product
// "CN" and the code's 7-digit product identifier, serial its other 13
// digits), so it goes through the same state machine, custody and queries.
// The consortium's configuration names which manufacturer owns which China
// product identifiers: they are kept in an organisation's Prefixes beside
// its GS1 company prefixes, written "CN" and the 7 digits ("CN8123456"),
// and each belongs to one organisation. A manufacturer commissions and
// recalls only codes of its own product identifiers. The code's check
// digits follow an algorithm that is not public: a code is genuine when it
// was commissioned, digit for digit.

// ownsCNProduct reports whether the organisation owns China product
// identifier product ("CN8123456").
func (o *Org) ownsCNProduct(product string) bool {
	return slices.Contains(o.Prefixes, product)
}

// checkCNProductFree refuses China product identifier p for msp when it is
// malformed or another organisation owns it.
func checkCNProductFree(c *Config, msp, p string) error {
	if err := trace.CheckCNProduct(p); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	for other, x := range c.Orgs {
		if other != msp && slices.Contains(x.Prefixes, p) {
			return fmt.Errorf("%w: China product identifier %s already belongs to %s", ErrBadRequest, p[len(trace.CNProductPrefix):], other)
		}
	}
	return nil
}

// notOwner is the refusal of a commission or recall of product by an
// organisation that does not own it.
func (r *recorder) notOwner(product string) *rejection {
	if trace.IsCNProduct(product) {
		return reject(ReasonNotAuthorized, "China product identifier %s is not one of %s's China product identifiers", product[len(trace.CNProductPrefix):], r.tx.MSP)
	}
	return reject(ReasonNotAuthorized, "GTIN %s is not under a company prefix of %s", product, r.tx.MSP)
}

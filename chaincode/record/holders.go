package record

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// The holder index: for each organisation, a key per pack or logistic unit
// it may read under the read scope (readScope) by custody: each holder and
// each consignee of a pack other than the organisation that commissioned
// it, every holder and consignee of a unit. Its key is prefixHolder, the
// organisation's index name (holderOrg), ":" and the record's own key
// ("h:PharmacyMSP:p:<GTIN>:<serial>", "h:PharmacyMSP:u:<SSCC>"); its value
// is holderMark. The commissioner has one key per product instead
// ("h:ManufacturerMSP:g:<GTIN>", productKey), written by the transactions
// that create its packs, and its Export ranges over each product's packs:
// a commissioning writes the pack's record and nothing else per pack (a
// key more per pack was a third of the chaincode's messages to the peer).
// A member's Export ranges over its own index instead of every record, so
// a refresh costs in proportion to what the member has had, not to the
// ledger.
//
// Keys are written as custody moves, when a pack or unit record is written
// (overlay.flush), and only for organisations the record as read did not
// already name: a record written with the index says so (Indexed), and then
// every organisation it names has its key. The index is never read on the
// write path (a write of a key that is there already, possible when an
// organisation comes back after it left a record's scope, writes the same
// value again). Records written before the index existed are indexed for
// every organisation they name when they are next written; an index key
// is never removed, and Export checks the scope again on the record.
const prefixHolder = "h:"

// holderMark is an index key's value: the key is what matters (Fabric
// takes an empty value for a delete).
var holderMark = []byte{'1'}

// maxHolderOrg is the longest MSP ID used as is in index keys.
const maxHolderOrg = 64

// holderOrg is msp as index keys name it: the MSP ID itself when it is at
// most maxHolderOrg letters, digits, '.', '_' or '-' (so that neither it
// nor the key can be confused with another's), else "~" and the first 32
// hex digits of its SHA-256. Index keys are so at most 3 + 64 + 1 + the
// record key's length.
func holderOrg(msp string) string {
	ok := len(msp) > 0 && len(msp) <= maxHolderOrg
	for i := 0; ok && i < len(msp); i++ {
		c := msp[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if ok {
		return msp
	}
	sum := sha256.Sum256([]byte(msp))
	return "~" + hex.EncodeToString(sum[:16])
}

// holderPrefix starts msp's index keys.
func holderPrefix(msp string) string { return prefixHolder + holderOrg(msp) + ":" }

// holderKey is msp's index key of the record under recordKey.
func holderKey(msp, recordKey string) string { return holderPrefix(msp) + recordKey }

// prefixProduct starts, within an organisation's index, the keys of the
// products whose packs it commissioned.
const prefixProduct = "g:"

// productKey is msp's index key of product gtin (a GTIN or a China
// product, "CN8123456"): msp commissioned packs of it.
func productKey(msp, gtin string) string { return holderPrefix(msp) + prefixProduct + gtin }

// productPacks is the key prefix of every pack record of product gtin.
func productPacks(gtin string) string { return prefixPack + gtin + ":" }

// rangeEnd is the end of the key range of every key starting with prefix,
// which ends with ':' (';' follows ':').
func rangeEnd(prefix string) string { return strings.TrimSuffix(prefix, ":") + ";" }

// readers are the organisations that may read the pack by custody (as in
// readScope.pack) and find it by a key of its own: its holder, consignee
// in transit and former holders, but not its commissioner (Owner), who finds
// it by its product (productKey); c resolves the custody of records from
// before it was kept.
func (p *pack) readers(c *Config) []string {
	h, cn := custodyOf(c, p.Holder, p.Location, p.Consignee, p.Dest, p.Status, p.Owner)
	return slices.DeleteFunc(orgSet(append([]string{h.MSP, cn.MSP}, p.Held...)), func(m string) bool { return m == p.Owner })
}

// readers are the organisations that may read the unit by custody (as in
// readScope.unit).
func (u *unit) readers(c *Config) []string {
	h, cn := u.custody(c)
	return orgSet(append([]string{h.MSP, cn.MSP}, u.Held...))
}

// orgSet is msps sorted, without empty ones or repeats.
func orgSet(msps []string) []string {
	msps = slices.DeleteFunc(msps, func(m string) bool { return m == "" })
	slices.Sort(msps)
	return slices.Compact(msps)
}

// noteIndexed remembers which organisations record key k, as read, has
// index keys for: all it names when it was written with the index, none
// otherwise (a record not there, or written before the index).
func (ov *overlay) noteIndexed(k string, indexed bool, readers func(*Config) []string) {
	if indexed {
		ov.indexed[k] = readers(ov.cfg)
	}
}

// holderWrites returns the index keys to write for record key k, which is
// written now naming readers.
func (ov *overlay) holderWrites(k string, readers []string) []string {
	var out []string
	for _, m := range readers {
		if !slices.Contains(ov.indexed[k], m) {
			out = append(out, holderKey(m, k))
		}
	}
	return out
}

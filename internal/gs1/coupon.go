package gs1

// couponReader walks a North American coupon code, reporting failures with
// GS1's error positions.
type couponReader struct {
	s string
	p int
}

func (r *couponReader) atEnd() bool { return r.p >= len(r.s) }

// missing reports a missing field: GS1 marks the whole data.
func (r *couponReader) missing(name string) lintErr { return fail(name, 0, len(r.s)) }

// truncated reports a field shorter than required: GS1 marks what remains,
// or the whole data when nothing remains.
func (r *couponReader) truncated(name string) lintErr {
	if r.atEnd() {
		return fail(name, 0, len(r.s))
	}
	return fail(name, r.p, len(r.s)-r.p)
}

// need checks that n more characters are present.
func (r *couponReader) need(n int, name string) (lintErr, bool) {
	if len(r.s)-r.p < n {
		return r.truncated(name), false
	}
	return lintErr{}, true
}

// vli reads a variable-length indicator digit that must be in [lo, hi] (or
// equal extra when extra >= 0).
func (r *couponReader) vli(lo, hi byte, extra int, missing, invalid string) (int, lintErr) {
	if r.atEnd() {
		return 0, r.missing(missing)
	}
	c := r.s[r.p]
	if (c < lo || c > hi) && int(c) != extra {
		return 0, fail(invalid, r.p, 1)
	}
	r.p++
	return int(c - '0'), lintErr{}
}

// gcp reads an n-digit GS1 Company Prefix.
func (r *couponReader) gcp(n int, truncated string) lintErr {
	if e, ok := r.need(n, truncated); !ok {
		return e
	}
	if e := lintGCPPos1(r.s[r.p : r.p+n]); e.failed() {
		return fail(e.name, r.p, n)
	}
	r.p += n
	return lintErr{}
}

// purchase reads a purchase requirement (VLI, value, code, family code) and,
// when withGCP, its GCP (VLI 0-6 or 9 = none).
func (r *couponReader) purchase(ord string, withGCP bool) lintErr {
	n, e := r.vli('1', '5', -1, "GS1_LINTER_COUPON_MISSING_"+ord+"_PURCHASE_REQUIREMENT_VLI", "GS1_LINTER_COUPON_INVALID_"+ord+"_PURCHASE_REQUIREMENT_LENGTH")
	if e.failed() {
		return e
	}
	if e, ok := r.need(n, "GS1_LINTER_COUPON_TRUNCATED_"+ord+"_PURCHASE_REQUIREMENT"); !ok {
		return e
	}
	r.p += n
	if r.atEnd() {
		return r.missing("GS1_LINTER_COUPON_MISSING_" + ord + "_PURCHASE_REQUIREMENT_CODE")
	}
	if c := r.s[r.p]; c > '4' && c != '9' {
		return fail("GS1_LINTER_COUPON_INVALID_"+ord+"_PURCHASE_REQUIREMENT_CODE", r.p, 1)
	}
	r.p++
	if e, ok := r.need(3, "GS1_LINTER_COUPON_TRUNCATED_"+ord+"_PURCHASE_FAMILY_CODE"); !ok {
		return e
	}
	r.p += 3
	if !withGCP {
		return lintErr{}
	}
	v, e := r.vli('0', '6', '9', "GS1_LINTER_COUPON_MISSING_"+ord+"_PURCHASE_GCP_VLI", "GS1_LINTER_COUPON_INVALID_"+ord+"_PURCHASE_GCP_LENGTH")
	if e.failed() {
		return e
	}
	if v == 9 {
		return lintErr{}
	}
	return r.gcp(v+6, "GS1_LINTER_COUPON_TRUNCATED_"+ord+"_PURCHASE_GCP")
}

// date reads an optional YYMMDD date field.
func (r *couponReader) date(short, invalid string) (string, lintErr) {
	if e, ok := r.need(6, short); !ok {
		return "", e
	}
	d := r.s[r.p : r.p+6]
	if lintDate(d, false, false).failed() {
		return "", fail(invalid, r.p, 6)
	}
	r.p += 6
	return d, lintErr{}
}

// lintCouponCode checks the North American Coupon Code carried in AI (8110).
func lintCouponCode(s string) lintErr {
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	r := &couponReader{s: s}
	v, e := r.vli('0', '6', -1, "GS1_LINTER_COUPON_MISSING_GCP_VLI", "GS1_LINTER_COUPON_INVALID_GCP_LENGTH")
	if e.failed() {
		return e
	}
	if e := r.gcp(v+6, "GS1_LINTER_COUPON_TRUNCATED_GCP"); e.failed() {
		return e
	}
	if e, ok := r.need(6, "GS1_LINTER_COUPON_TRUNCATED_OFFER_CODE"); !ok {
		return e
	}
	r.p += 6
	n, e := r.vli('1', '5', -1, "GS1_LINTER_COUPON_MISSING_SAVE_VALUE_VLI", "GS1_LINTER_COUPON_INVALID_SAVE_VALUE_LENGTH")
	if e.failed() {
		return e
	}
	if e, ok := r.need(n, "GS1_LINTER_COUPON_TRUNCATED_SAVE_VALUE"); !ok {
		return e
	}
	r.p += n
	if e := r.purchase("1ST", false); e.failed() {
		return e
	}
	// Optional field 1: additional purchase rules and 2nd purchase.
	if !r.atEnd() && r.s[r.p] == '1' {
		r.p++
		if r.atEnd() {
			return r.missing("GS1_LINTER_COUPON_MISSING_ADDITIONAL_PURCHASE_RULES_CODE")
		}
		if r.s[r.p] > '3' {
			return fail("GS1_LINTER_COUPON_INVALID_ADDITIONAL_PURCHASE_RULES_CODE", r.p, 1)
		}
		r.p++
		if e := r.purchase("2ND", true); e.failed() {
			return e
		}
	}
	// Optional field 2: 3rd purchase.
	if !r.atEnd() && r.s[r.p] == '2' {
		r.p++
		if e := r.purchase("3RD", true); e.failed() {
			return e
		}
	}
	// Optional field 3: expiration date.
	expiry := ""
	if !r.atEnd() && r.s[r.p] == '3' {
		r.p++
		d, e := r.date("GS1_LINTER_COUPON_TOO_SHORT_FOR_EXPIRATION_DATE", "GS1_LINTER_COUPON_INVALID_EXIPIRATION_DATE")
		if e.failed() {
			return e
		}
		expiry = d
	}
	// Optional field 4: start date.
	if !r.atEnd() && r.s[r.p] == '4' {
		r.p++
		start := r.p
		d, e := r.date("GS1_LINTER_COUPON_TOO_SHORT_FOR_START_DATE", "GS1_LINTER_COUPON_INVALID_START_DATE")
		if e.failed() {
			return e
		}
		if expiry != "" && d > expiry {
			return fail("GS1_LINTER_COUPON_EXPIRATION_BEFORE_START", start-8, 14)
		}
	}
	// Optional field 5: serial number.
	if !r.atEnd() && r.s[r.p] == '5' {
		r.p++
		if r.atEnd() {
			return r.missing("GS1_LINTER_COUPON_MISSING_SERIAL_NUMBER_VLI")
		}
		n := int(r.s[r.p]-'0') + 6
		r.p++
		if e, ok := r.need(n, "GS1_LINTER_COUPON_TRUNCATED_SERIAL_NUMBER"); !ok {
			return e
		}
		r.p += n
	}
	// Optional field 6: retailer GCP or GLN.
	if !r.atEnd() && r.s[r.p] == '6' {
		r.p++
		v, e := r.vli('1', '7', -1, "GS1_LINTER_COUPON_MISSING_RETAILER_GCP_OR_GLN_VLI", "GS1_LINTER_COUPON_INVALID_RETAILER_GCP_OR_GLN_LENGTH")
		if e.failed() {
			return e
		}
		if e := r.gcp(v+6, "GS1_LINTER_COUPON_TRUNCATED_RETAILER_GCP_OR_GLN"); e.failed() {
			return e
		}
	}
	// Optional field 9: miscellaneous.
	if !r.atEnd() && r.s[r.p] == '9' {
		r.p++
		if r.atEnd() {
			return r.missing("GS1_LINTER_COUPON_MISSING_SAVE_VALUE_CODE")
		}
		if c := r.s[r.p]; c != '0' && c != '1' && c != '2' && c != '5' && c != '6' {
			return fail("GS1_LINTER_COUPON_INVALID_SAVE_VALUE_CODE", r.p, 1)
		}
		r.p++
		if r.atEnd() {
			return r.missing("GS1_LINTER_COUPON_MISSING_SAVE_VALUE_APPLIES_TO_ITEM")
		}
		if r.s[r.p] > '2' {
			return fail("GS1_LINTER_COUPON_INVALID_SAVE_VALUE_APPLIES_TO_ITEM", r.p, 1)
		}
		r.p++
		if r.atEnd() {
			return r.missing("GS1_LINTER_COUPON_MISSING_STORE_COUPON_FLAG")
		}
		r.p++
		if r.atEnd() {
			return r.missing("GS1_LINTER_COUPON_MISSING_DONT_MULTIPLY_FLAG")
		}
		if c := r.s[r.p]; c != '0' && c != '1' {
			return fail("GS1_LINTER_COUPON_INVALID_DONT_MULTIPLY_FLAG", r.p, 1)
		}
		r.p++
	}
	if !r.atEnd() {
		return fail("GS1_LINTER_COUPON_EXCESS_DATA", r.p, len(s)-r.p)
	}
	return lintErr{}
}

// lintCouponPosOffer checks the positive offer file coupon code of AI (8112).
func lintCouponPosOffer(s string) lintErr {
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	r := &couponReader{s: s}
	if _, e := r.vli('0', '1', -1, "GS1_LINTER_COUPON_MISSING_FORMAT_CODE", "GS1_LINTER_COUPON_INVALID_FORMAT_CODE"); e.failed() {
		return e
	}
	v, e := r.vli('0', '6', -1, "GS1_LINTER_COUPON_MISSING_FUNDER_VLI", "GS1_LINTER_COUPON_INVALID_FUNDER_LENGTH")
	if e.failed() {
		return e
	}
	if e := r.gcp(v+6, "GS1_LINTER_COUPON_TRUNCATED_FUNDER"); e.failed() {
		return e
	}
	if e, ok := r.need(6, "GS1_LINTER_COUPON_TRUNCATED_OFFER_CODE"); !ok {
		return e
	}
	r.p += 6
	n, e := r.vli('0', '9', -1, "GS1_LINTER_COUPON_MISSING_SERIAL_NUMBER_VLI", "GS1_LINTER_COUPON_MISSING_SERIAL_NUMBER_VLI")
	if e.failed() {
		return e
	}
	if e, ok := r.need(n+6, "GS1_LINTER_COUPON_TRUNCATED_SERIAL_NUMBER"); !ok {
		return e
	}
	r.p += n + 6
	if !r.atEnd() {
		return fail("GS1_LINTER_COUPON_EXCESS_DATA", r.p, len(s)-r.p)
	}
	return lintErr{}
}

package record

import (
	"fmt"
	"strings"
)

// productPage is one page of the pack records of the products msp
// commissioned, found through its product keys (productKey): product by
// product in key order, each product's records in key order. It scans
// about pageSize keys (product keys and records together), hands each
// record to take, and returns the bookmark of the rest: "" when every
// product is done; else the product it stopped in, "|" and the next record
// key of that product, or "|" alone when that product is done.
func productPage(pg Pager, msp, bookmark string, pageSize int, take func(key string, value []byte) error) (string, error) {
	product, from, resume := "", "", false
	if bookmark != "" {
		var ok bool
		product, from, ok = strings.Cut(bookmark, "|")
		if !ok || product == "" || (from != "" && !strings.HasPrefix(from, productPacks(product))) {
			return "", fmt.Errorf("%w: bad bookmark", ErrBadRequest)
		}
		resume = from != ""
	}
	index := holderPrefix(msp) + prefixProduct
	for budget := pageSize; budget > 0; {
		if !resume { // on to the product after product (the first when "")
			start := ""
			if product != "" {
				start = index + product
			}
			keys, _, err := pg.ScanPage(index, rangeEnd(index), 2, start)
			if err != nil {
				return "", fmt.Errorf("scan products: %w", err)
			}
			budget -= len(keys)
			if product != "" && len(keys) > 0 && keys[0].Key == index+product {
				keys = keys[1:]
			}
			if len(keys) == 0 {
				return "", nil
			}
			product, from = strings.TrimPrefix(keys[0].Key, index), ""
		}
		resume = false
		packs := productPacks(product)
		n := max(budget, 1)
		kvs, next, err := pg.ScanPage(packs, rangeEnd(packs), n, from)
		if err != nil {
			return "", fmt.Errorf("scan packs of %s: %w", product, err)
		}
		budget -= len(kvs)
		for _, kv := range kvs {
			if err := take(kv.Key, kv.Value); err != nil {
				return "", err
			}
		}
		if next != "" && len(kvs) == n {
			return product + "|" + next, nil
		}
	}
	return product + "|", nil
}

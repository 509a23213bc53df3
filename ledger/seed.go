package ledger

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/trace"
)

// SeedOptions sizes the demo data set.
type SeedOptions struct {
	Products  int       // distinct GTINs; 0 means 20
	Packs     int       // packs in all; 0 means 10,000
	BatchSize int       // events per transaction; 0 means 500
	Log       io.Writer // progress lines; nil means none
}

// SeedBatch names a batch of the demo data set.
type SeedBatch struct {
	GTIN, Batch, Expiry string
}

// SeedReport says what Seed put on the ledger.
type SeedReport struct {
	Products   int
	Packs      int
	Recalled   SeedBatch       // a recalled batch
	Expired    SeedBatch       // a batch past its expiry date
	Dispensed  []trace.PackRef // packs already dispensed at the pharmacy
	Stolen     trace.PackRef   // a pack reported stolen
	CNPacks    int             // China-coded packs commissioned (when the manufacturer owns a China product identifier)
	Accepted   int             // events recorded now
	Duplicates int             // events already on the ledger (an earlier seed)
	Took       time.Duration
}

// seedSpan is how long before the seed runs its first event is dated: the
// ledger accepts events at most 72 hours (its event lag) after they
// happened, so the demo's story fits in the two hours before it is told.
const seedSpan = 2 * time.Hour

// seedEpoch dates the demo events: the time of the first commissioning an
// earlier seed put on this ledger, so that seeding again replays the same
// events (duplicates) instead of conflicting; else two hours ago.
func seedEpoch(ctx context.Context, man *Client, gtin, serial string) (time.Time, error) {
	h, err := man.History(ctx, gtin, serial)
	if err != nil {
		return time.Time{}, fmt.Errorf("seed: look for an earlier seed: %w", err)
	}
	if len(h) > 0 && h[0].Kind == trace.KindCommission {
		return h[0].EventTime.UTC(), nil
	}
	return time.Now().Add(-seedSpan).UTC().Truncate(time.Minute), nil
}

// seedID derives a stable UUID-shaped event ID from a name.
func seedID(name string) string {
	h := sha256.Sum256([]byte("medtrace-seed/" + name))
	h[6] = h[6]&0x0f | 0x80 // version 8 (custom)
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	s := hex.EncodeToString(h[:16])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// seedSerial is a stable 12-character serial for pack i of product g.
func seedSerial(g, i int, tag string) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	h := sha256.Sum256(fmt.Appendf(nil, "serial/%d/%d%s", g, i, tag))
	b := make([]byte, 12)
	for j := range b {
		b[j] = alphabet[h[j]%32]
	}
	return string(b)
}

// Seed commissions the demo data set with the clients of a profile's roles
// (manufacturer, distributor, pharmacy), at the profile's GLNs, under the
// manufacturer's first company prefix: opts.Products GTINs with two batches
// each, one batch recalled, one expired, two cases' worth of packs shipped
// by the manufacturer to the distributor, packed there on a pallet, shipped
// to the pharmacy and most of one case dispensed, one pack reported stolen
// by the manufacturer. Every step follows the custody chain. Event IDs are
// fixed and times are fixed by the first seed of a ledger (seedEpoch), so
// running it again only finds duplicates. The ledger must be configured
// first (Configure).
func Seed(ctx context.Context, clients map[string]*Client, glns map[string]string, prefixes map[string][]string, opts SeedOptions) (SeedReport, error) {
	t0 := time.Now()
	if opts.Products <= 0 {
		opts.Products = 20
	}
	if opts.Packs <= 0 {
		opts.Packs = 10000
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Products < 2 || opts.Packs/opts.Products < 8 {
		return SeedReport{}, fmt.Errorf("seed: needs at least 2 products and 8 packs per product, not %d products and %d packs", opts.Products, opts.Packs)
	}
	man, dist, phar := clients["manufacturer"], clients["distributor"], clients["pharmacy"]
	if man == nil || dist == nil || phar == nil {
		return SeedReport{}, fmt.Errorf("seed: needs manufacturer, distributor and pharmacy clients")
	}
	if len(prefixes["manufacturer"]) == 0 || glns["manufacturer"] == "" || glns["distributor"] == "" || glns["pharmacy"] == "" {
		return SeedReport{}, fmt.Errorf("seed: needs the manufacturer's company prefix and the GLNs of manufacturer, distributor and pharmacy")
	}
	// The first GS1 company prefix; a China product identifier among the
	// prefixes ("CN8123456") seeds China-coded packs too (seedCN).
	var prefix, cnProduct string
	for _, p := range prefixes["manufacturer"] {
		switch {
		case trace.IsCNProduct(p):
			cnProduct = cmp.Or(cnProduct, p)
		default:
			prefix = cmp.Or(prefix, p)
		}
	}
	if prefix == "" {
		return SeedReport{}, fmt.Errorf("seed: the manufacturer has no GS1 company prefix")
	}
	// A data set of another size gets its own batch names, IDs and SSCCs,
	// so it never collides with the default one on the same ledger.
	tag := ""
	if opts.Products != 20 || opts.Packs != 10000 {
		tag = fmt.Sprintf("-%dx%d", opts.Products, opts.Packs)
	}
	if len(prefix) > 11 {
		return SeedReport{}, fmt.Errorf("seed: company prefix %s leaves no room for item references", prefix)
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	rep := SeedReport{Products: opts.Products}
	// send records evs in batches, up to 4 in flight (while one waits for
	// its block, the next is endorsed), and counts the outcomes.
	var mu sync.Mutex
	send := func(who *Client, what string, evs []trace.Event) error {
		var wg sync.WaitGroup
		var firstErr error
		slots := make(chan struct{}, 4)
		for len(evs) > 0 {
			n := min(len(evs), opts.BatchSize)
			batch := evs[:n]
			evs = evs[n:]
			slots <- struct{}{}
			wg.Add(1)
			go func() { // owned: Wait below
				defer wg.Done()
				defer func() { <-slots }()
				res, err := who.Submit(ctx, batch)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					firstErr = cmp.Or(firstErr, fmt.Errorf("seed %s: %w", what, err))
					return
				}
				for _, r := range res.Results {
					switch r.Status {
					case trace.StatusAccepted:
						rep.Accepted++
					case trace.StatusDuplicate:
						rep.Duplicates++
					default:
						firstErr = cmp.Or(firstErr, fmt.Errorf("seed %s: event %s %s %s: %s", what, r.EventID, r.Status, r.Reason, r.Message))
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		logf("seed: %s done", what)
		return nil
	}
	itemDigits := 12 - len(prefix)
	gtin := func(g int) string {
		return gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", itemDigits, (g+1)%intPow10(itemDigits)))
	}
	epoch, err := seedEpoch(ctx, man, gtin(0), seedSerial(0, 0, tag))
	if err != nil {
		return SeedReport{}, err
	}
	at := func(d time.Duration) time.Time { return epoch.Add(d) }
	perProduct := opts.Packs / opts.Products
	var commissions []trace.Event
	serials := make([][]string, opts.Products)
	for g := 0; g < opts.Products; g++ {
		for i := 0; i < perProduct; i++ {
			batch, expiry := fmt.Sprintf("B%02d-1%s", g+1, tag), "2028-06-30"
			if i >= perProduct/2 {
				batch, expiry = fmt.Sprintf("B%02d-2%s", g+1, tag), "2029-03-31"
			}
			if g == 4 && i >= perProduct/2 {
				expiry = "2026-03-31" // the expired batch
			}
			s := seedSerial(g, i, tag)
			serials[g] = append(serials[g], s)
			commissions = append(commissions, trace.Event{ID: seedID("commission/" + gtin(g) + "/" + s), Kind: trace.KindCommission,
				Time: at(time.Duration(g) * time.Second), Location: glns["manufacturer"], GTIN: gtin(g), Serial: s, Batch: batch, Expiry: expiry})
		}
	}
	rep.Packs = len(commissions)
	if opts.Products >= 5 {
		rep.Expired = SeedBatch{gtin(4), "B05-2" + tag, "2026-03-31"}
	}
	rep.Recalled = SeedBatch{gtin(2 % opts.Products), fmt.Sprintf("B%02d-1%s", 2%opts.Products+1, tag), "2028-06-30"}
	if err := send(man, fmt.Sprintf("commissioning of %d packs", len(commissions)), commissions); err != nil {
		return rep, err
	}
	// Two cases of product 1 (first batch) on a pallet, shipped to the pharmacy.
	caseSize := min(24, perProduct/4)
	unitBase := 900000
	if tag != "" {
		h := sha256.Sum256([]byte(tag))
		unitBase += 10 * (int(h[0])<<8 | int(h[1]))
	}
	ssccOf := func(n int) string {
		return gs1.AppendCheckDigit("3" + prefix + fmt.Sprintf("%0*d", 16-len(prefix), unitBase+n))
	}
	case1, case2, pallet := ssccOf(1), ssccOf(2), ssccOf(3)
	var c1, c2 []string
	for i := 0; i < caseSize; i++ {
		c1 = append(c1, trace.PackKey(gtin(0), serials[0][i]))
		c2 = append(c2, trace.PackKey(gtin(0), serials[0][caseSize+i]))
	}
	// The manufacturer ships the cases' packs to the distributor, who
	// receives them (only what was shipped to it), packs and ships them on.
	var ships, receipts []trace.Event
	for i := 0; i < 2*caseSize; i++ {
		s := serials[0][i]
		ships = append(ships, trace.Event{ID: seedID("ship/" + gtin(0) + "/" + s), Kind: trace.KindShip, Time: at(30 * time.Minute), Location: glns["manufacturer"],
			Counterparty: glns["distributor"], GTIN: gtin(0), Serial: s})
		receipts = append(receipts, trace.Event{ID: seedID("receive/" + gtin(0) + "/" + s), Kind: trace.KindReceive, Time: at(35 * time.Minute), Location: glns["distributor"],
			Counterparty: glns["manufacturer"], GTIN: gtin(0), Serial: s})
	}
	if err := send(man, fmt.Sprintf("shipping %d packs to the distributor", len(ships)), ships); err != nil {
		return rep, err
	}
	if err := send(dist, fmt.Sprintf("receiving %d packs", len(receipts)), receipts); err != nil {
		return rep, err
	}
	logistics := []trace.Event{
		{ID: seedID("pack/" + case1), Kind: trace.KindPack, Time: at(40 * time.Minute), Location: glns["distributor"], SSCC: case1, Children: c1},
		{ID: seedID("pack/" + case2), Kind: trace.KindPack, Time: at(40 * time.Minute), Location: glns["distributor"], SSCC: case2, Children: c2},
		{ID: seedID("pack/" + pallet), Kind: trace.KindPack, Time: at(45 * time.Minute), Location: glns["distributor"], SSCC: pallet, Children: []string{case1, case2}},
		{ID: seedID("ship/" + pallet), Kind: trace.KindShip, Time: at(50 * time.Minute), Location: glns["distributor"], Counterparty: glns["pharmacy"], SSCC: pallet},
	}
	if opts.BatchSize < len(logistics) { // one transaction: each step needs the one before
		return rep, fmt.Errorf("seed: a batch size of %d cannot pack and ship a pallet in one transaction", opts.BatchSize)
	}
	if err := send(dist, "packing and shipping a pallet", logistics); err != nil {
		return rep, err
	}
	receive := trace.Event{ID: seedID("receive/" + pallet), Kind: trace.KindReceive, Time: at(60 * time.Minute), Location: glns["pharmacy"],
		Counterparty: glns["distributor"], SSCC: pallet}
	if err := send(phar, "receiving the pallet", []trace.Event{receive}); err != nil {
		return rep, err
	}
	var dispenses []trace.Event
	for i := 0; i < caseSize-4; i++ {
		s := serials[0][i]
		dispenses = append(dispenses, trace.Event{ID: seedID("dispense/" + s), Kind: trace.KindDispense, Time: at(70*time.Minute + time.Duration(i)*time.Minute),
			Location: glns["pharmacy"], GTIN: gtin(0), Serial: s})
		rep.Dispensed = append(rep.Dispensed, trace.PackRef{GTIN: gtin(0), Serial: s, Batch: "B01-1" + tag, Expiry: "2028-06-30", Status: trace.PackDispensed})
	}
	if err := send(phar, fmt.Sprintf("dispensing %d packs", len(rep.Dispensed)), dispenses); err != nil {
		return rep, err
	}
	// The manufacturer, which still holds it, reports a pack stolen.
	stolen := serials[1%opts.Products][0]
	theft := trace.Event{ID: seedID("stolen/" + stolen), Kind: trace.KindStolen, Time: at(95 * time.Minute), Location: glns["manufacturer"],
		GTIN: gtin(1 % opts.Products), Serial: stolen}
	rep.Stolen = trace.PackRef{GTIN: gtin(1 % opts.Products), Serial: stolen, Batch: fmt.Sprintf("B%02d-1%s", 1%opts.Products+1, tag), Expiry: "2028-06-30", Status: trace.PackStolen}
	if err := send(man, "reporting a pack stolen", []trace.Event{theft}); err != nil {
		return rep, err
	}
	recall := trace.Event{ID: seedID("recall/" + rep.Recalled.GTIN + "/" + rep.Recalled.Batch), Kind: trace.KindRecall, Time: at(100 * time.Minute),
		GTIN: rep.Recalled.GTIN, Batch: rep.Recalled.Batch, Note: "sterility not assured"}
	if err := send(man, "recalling a batch", []trace.Event{recall}); err != nil {
		return rep, err
	}
	if cnProduct != "" {
		n, err := seedCN(ctx, send, man, dist, phar, glns, cnProduct[len(trace.CNProductPrefix):], tag, ssccOf(4), at)
		rep.CNPacks = n
		if err != nil {
			return rep, err
		}
	}
	rep.Took = time.Since(t0)
	return rep, nil
}

// seedCN seeds the China-coded packs of the demo data set (product
// identifier product, 7 digits): commissioned by the manufacturer, shipped
// to and received by the distributor, packed in case and shipped to the
// pharmacy, which receives the case and dispenses the first few; every
// step follows the custody chain, as the GS1 packs' do. It returns how
// many packs it commissioned.
func seedCN(ctx context.Context, send func(*Client, string, []trace.Event) error, man, dist, phar *Client, glns map[string]string,
	product, tag, caseSSCC string, at func(time.Duration) time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var commissions, ships, receipts, dispenses []trace.Event
	var children []string
	for i := 0; i < seedCNCount; i++ {
		code := seedCNCode(product, i, tag)
		g, s := trace.CNPackOf(code)
		commissions = append(commissions, trace.Event{ID: seedID("commission/" + code), Kind: trace.KindCommission, Time: at(20 * time.Minute),
			Location: glns["manufacturer"], GTIN: g, Serial: s, Batch: seedCNBatch + tag, Expiry: seedCNExpiry})
		ships = append(ships, trace.Event{ID: seedID("ship/" + code), Kind: trace.KindShip, Time: at(30 * time.Minute), Location: glns["manufacturer"],
			Counterparty: glns["distributor"], GTIN: g, Serial: s})
		receipts = append(receipts, trace.Event{ID: seedID("receive/" + code), Kind: trace.KindReceive, Time: at(35 * time.Minute), Location: glns["distributor"],
			Counterparty: glns["manufacturer"], GTIN: g, Serial: s})
		children = append(children, code)
		if i < seedCNDispensed {
			dispenses = append(dispenses, trace.Event{ID: seedID("dispense/" + code), Kind: trace.KindDispense, Time: at(70*time.Minute + time.Duration(i)*time.Minute),
				Location: glns["pharmacy"], GTIN: g, Serial: s})
		}
	}
	steps := []struct {
		who  *Client
		what string
		evs  []trace.Event
	}{
		{man, fmt.Sprintf("commissioning %d China-coded packs", len(commissions)), commissions},
		{man, "shipping the China-coded packs to the distributor", ships},
		{dist, "receiving the China-coded packs", receipts},
		{dist, "packing and shipping a case of China-coded packs", []trace.Event{
			{ID: seedID("pack/" + caseSSCC), Kind: trace.KindPack, Time: at(40 * time.Minute), Location: glns["distributor"], SSCC: caseSSCC, Children: children},
			{ID: seedID("ship/" + caseSSCC), Kind: trace.KindShip, Time: at(50 * time.Minute), Location: glns["distributor"], Counterparty: glns["pharmacy"], SSCC: caseSSCC},
		}},
		{phar, "receiving the case of China-coded packs", []trace.Event{{ID: seedID("receive/" + caseSSCC), Kind: trace.KindReceive, Time: at(60 * time.Minute),
			Location: glns["pharmacy"], Counterparty: glns["distributor"], SSCC: caseSSCC}}},
		{phar, "dispensing China-coded packs", dispenses},
	}
	for _, st := range steps {
		if err := send(st.who, st.what, st.evs); err != nil {
			return len(commissions), err
		}
	}
	return len(commissions), nil
}

func intPow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// SeedProfile connects as every role of the profile at path, configures the
// ledger (roles, company prefixes, GLNs) and seeds the demo data set:
// what `medtrace ledger seed` runs.
func SeedProfile(ctx context.Context, path string, opts SeedOptions) (SeedReport, error) {
	p, err := LoadProfile(path)
	if err != nil {
		return SeedReport{}, err
	}
	clients, err := p.DialAll(ctx)
	if err != nil {
		return SeedReport{}, err
	}
	defer func() {
		// The seed's transactions are committed (or have failed) before
		// the close: closing the connections loses nothing.
		for _, c := range clients {
			_ = c.Close()
		}
	}()
	reg := clients["regulator"]
	if reg == nil {
		return SeedReport{}, fmt.Errorf("seed: the profile has no regulator identity to configure the ledger")
	}
	// The configuration is the regulator's administrator's to change (a
	// profile of the local network names it); the regulator's user
	// suffices when nothing differs.
	configurer := reg
	if adm, err := p.DialAdmin(ctx, "regulator"); err == nil {
		defer func() { _ = adm.Close() }() // read and configured: nothing to lose
		configurer = adm
	} else if !errors.Is(err, ErrNoAdmin) {
		return SeedReport{}, err
	}
	if err := Configure(ctx, p, configurer); err != nil {
		return SeedReport{}, fmt.Errorf("seed: configure the ledger: %w", err)
	}
	return Seed(ctx, clients, p.GLNs, p.CompanyPrefixes, opts)
}

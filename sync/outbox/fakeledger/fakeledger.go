// Package fakeledger is a FAKE of the MedTrace ledger for the sync engine's
// tests: it refuses what the real ledger refuses for its form (the trace
// core's CheckEvent), keeps the ledger's exactly-once semantics (event IDs are
// idempotency keys; a duplicate is reported, a different event with a used ID
// is a conflict) in its own SQLite file, so it survives the kill -9 of the
// process using it. It is not Fabric: the end-to-end tests against the real
// network live beside it. Failures (ledger down, lost commit answers) are
// injected on purpose.
package fakeledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "github.com/mattn/go-sqlite3" // the fake's own file

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// Ledger is the fake. Several processes may use the same file in turn.
type Ledger struct {
	db *sql.DB

	mu        sync.Mutex
	down      bool
	loseNext  int           // commits whose answer is lost (ErrCommitUnknown)
	delay     time.Duration // before each commit
	submitted int           // transactions sent to this instance
	refuse    string        // an event ID whose batches the ledger refuses whole
	changed   chan struct{}
}

// Open opens (creating) the fake ledger stored at path.
func Open(ctx context.Context, path string) (*Ledger, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("fake ledger: %w", err)
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS txs (block INTEGER PRIMARY KEY, tx_id TEXT NOT NULL UNIQUE, results TEXT NOT NULL, at INTEGER NOT NULL);
		CREATE TABLE IF NOT EXISTS recorded (event_id TEXT PRIMARY KEY, body TEXT NOT NULL, block INTEGER NOT NULL);
		CREATE TABLE IF NOT EXISTS deliveries (event_id TEXT NOT NULL, block INTEGER NOT NULL, status TEXT NOT NULL);
		CREATE TABLE IF NOT EXISTS packs (gtin TEXT, serial TEXT, status TEXT, batch TEXT, expiry TEXT, last_event TEXT,
			last_kind TEXT, last_time INTEGER, last_place TEXT, block INTEGER, PRIMARY KEY (gtin, serial));
		CREATE TABLE IF NOT EXISTS recalls (gtin TEXT, batch TEXT, reason TEXT, block INTEGER, at INTEGER, PRIMARY KEY (gtin, batch));`)
	if err != nil {
		_ = db.Close() // the schema failed: that error is the one to report
		return nil, fmt.Errorf("fake ledger: %w", err)
	}
	return &Ledger{db: db, changed: make(chan struct{}, 1)}, nil
}

// Close closes the fake's file.
func (l *Ledger) Close() error { return l.db.Close() }

// SetDown makes the ledger unreachable (true) or reachable again.
func (l *Ledger) SetDown(down bool) { l.mu.Lock(); l.down = down; l.mu.Unlock() }

// LoseAnswers makes the next n commits succeed but answer ErrCommitUnknown.
func (l *Ledger) LoseAnswers(n int) { l.mu.Lock(); l.loseNext = n; l.mu.Unlock() }

// SetDelay makes every commit take d.
func (l *Ledger) SetDelay(d time.Duration) { l.mu.Lock(); l.delay = d; l.mu.Unlock() }

// RefuseBatchesWith makes every request containing event id fail with
// ledger.ErrRejected, as an endorsement failure would.
func (l *Ledger) RefuseBatchesWith(id string) { l.mu.Lock(); l.refuse = id; l.mu.Unlock() }

// Submitted is the number of transactions sent to this instance.
func (l *Ledger) Submitted() int { l.mu.Lock(); defer l.mu.Unlock(); return l.submitted }

func (l *Ledger) isDown() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.down }

// pending is a prepared transaction.
type pending struct {
	l      *Ledger
	txID   string
	events []trace.Event
}

// Prepare makes a transaction with a fresh ID.
func (l *Ledger) Prepare(_ context.Context, events []trace.Event) (outbox.Pending, error) {
	return &pending{l: l, txID: uuid.NewString(), events: append([]trace.Event(nil), events...)}, nil
}

// TxID is the transaction's ID, known before it is sent.
func (p *pending) TxID() string { return p.txID }

// Submit commits the transaction: each event is accepted once; the same ID
// again is a duplicate (or a conflict if its content differs).
func (p *pending) Submit(ctx context.Context) (trace.BatchResult, error) {
	l := p.l
	l.mu.Lock()
	down, delay, refuse := l.down, l.delay, l.refuse
	lose := l.loseNext > 0
	if lose && !down {
		l.loseNext--
	}
	l.submitted++
	l.mu.Unlock()
	if down {
		return trace.BatchResult{}, fmt.Errorf("fake ledger: %w", ledger.ErrUnavailable)
	}
	for _, ev := range p.events {
		if refuse != "" && ev.ID == refuse {
			return trace.BatchResult{}, fmt.Errorf("fake ledger: endorsement failed for %s: %w", ev.ID, ledger.ErrRejected)
		}
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return trace.BatchResult{}, fmt.Errorf("fake ledger: %w: %w", ledger.ErrUnavailable, ctx.Err())
		case <-t.C:
		}
	}
	res, err := l.commit(ctx, p.txID, p.events)
	if err != nil {
		return trace.BatchResult{}, err
	}
	select {
	case l.changed <- struct{}{}:
	default:
	}
	if lose {
		return trace.BatchResult{}, fmt.Errorf("fake ledger: answer lost: %w", ledger.ErrCommitUnknown)
	}
	return res, nil
}

func (l *Ledger) commit(ctx context.Context, txID string, events []trace.Event) (trace.BatchResult, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return trace.BatchResult{}, fmt.Errorf("fake ledger: %w", err)
	}
	// After Commit the rollback does nothing; before it, the error returned
	// says what failed.
	defer func() { _ = tx.Rollback() }()
	var block int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(block), 0) + 1 FROM txs`).Scan(&block); err != nil {
		return trace.BatchResult{}, err
	}
	now := time.Now().UTC()
	res := trace.BatchResult{TxID: txID, Block: uint64(block)}
	for _, ev := range events {
		body, _ := json.Marshal(ev)
		var old string
		var oldBlock int64
		r := trace.Result{EventID: ev.ID, TxID: txID}
		if a, bad := trace.CheckEvent(ev); bad {
			// The ledger's own check of an event's form (the trace core's),
			// so a format the real chaincode refuses is refused here too.
			r.Status, r.Reason, r.Message = trace.StatusRejected, a.Code, a.Message
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (event_id, block, status) VALUES (?, ?, ?)`, ev.ID, block, string(r.Status)); err != nil {
				return trace.BatchResult{}, err
			}
			res.Results = append(res.Results, r)
			continue
		}
		err := tx.QueryRowContext(ctx, `SELECT body, block FROM recorded WHERE event_id = ?`, ev.ID).Scan(&old, &oldBlock)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			r.Status = trace.StatusAccepted
			if _, err := tx.ExecContext(ctx, `INSERT INTO recorded (event_id, body, block) VALUES (?, ?, ?)`, ev.ID, string(body), block); err != nil {
				return trace.BatchResult{}, err
			}
			if err := applyState(ctx, tx, ev, block, now); err != nil {
				return trace.BatchResult{}, err
			}
		case err != nil:
			return trace.BatchResult{}, err
		case old == string(body):
			r.Status = trace.StatusDuplicate
			var otx string
			if err := tx.QueryRowContext(ctx, `SELECT tx_id FROM txs WHERE block = ?`, oldBlock).Scan(&otx); err != nil {
				return trace.BatchResult{}, err
			}
			r.TxID = otx
		default:
			r.Status, r.Reason, r.Message = trace.StatusConflict, "id-conflict", "Another event with this ID is on the ledger."
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (event_id, block, status) VALUES (?, ?, ?)`, ev.ID, block, string(r.Status)); err != nil {
			return trace.BatchResult{}, err
		}
		res.Results = append(res.Results, r)
	}
	rj, _ := json.Marshal(res)
	if _, err := tx.ExecContext(ctx, `INSERT INTO txs (block, tx_id, results, at) VALUES (?, ?, ?, ?)`, block, txID, string(rj), now.UnixNano()); err != nil {
		return trace.BatchResult{}, err
	}
	return res, tx.Commit()
}

// applyState moves the fake's pack state as the chaincode would, coarsely.
func applyState(ctx context.Context, tx *sql.Tx, ev trace.Event, block int64, now time.Time) error {
	if ev.Kind == trace.KindRecall {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO recalls VALUES (?, ?, ?, ?, ?)`, ev.GTIN, ev.Batch, ev.Note, block, now.UnixNano())
		return err
	}
	if ev.GTIN == "" || ev.Serial == "" {
		return nil
	}
	status := map[trace.Kind]trace.PackStatus{
		trace.KindCommission: trace.PackActive, trace.KindShip: trace.PackInTransit, trace.KindReceive: trace.PackActive,
		trace.KindDispense: trace.PackDispensed, trace.KindUndoDispense: trace.PackActive, trace.KindDestroy: trace.PackDestroyed,
		trace.KindStolen: trace.PackStolen, trace.KindSample: trace.PackSample, trace.KindExport: trace.PackExported,
	}[ev.Kind]
	if status == "" {
		status = trace.PackActive
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO packs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (gtin, serial) DO UPDATE SET status = excluded.status, last_event = excluded.last_event,
		last_kind = excluded.last_kind, last_time = excluded.last_time, last_place = excluded.last_place, block = excluded.block,
		batch = CASE WHEN excluded.batch != '' THEN excluded.batch ELSE packs.batch END,
		expiry = CASE WHEN excluded.expiry != '' THEN excluded.expiry ELSE packs.expiry END`,
		ev.GTIN, ev.Serial, string(status), ev.Batch, ev.Expiry, ev.ID, string(ev.Kind), ev.Time.UnixNano(), ev.Location, block)
	return err
}

// CommitStatus looks a transaction up by its ID (the fake keeps every
// transaction's results, so it needs not the events).
func (l *Ledger) CommitStatus(ctx context.Context, txID string, _ []trace.Event) (trace.BatchResult, error) {
	if l.isDown() {
		return trace.BatchResult{}, fmt.Errorf("fake ledger: %w", ledger.ErrUnavailable)
	}
	var rj string
	err := l.db.QueryRowContext(ctx, `SELECT results FROM txs WHERE tx_id = ?`, txID).Scan(&rj)
	if errors.Is(err, sql.ErrNoRows) {
		return trace.BatchResult{}, fmt.Errorf("fake ledger: %s: %w", txID, outbox.ErrTxNotFound)
	}
	if err != nil {
		return trace.BatchResult{}, err
	}
	var res trace.BatchResult
	return res, json.Unmarshal([]byte(rj), &res)
}

// Verify answers from the fake's state.
func (l *Ledger) Verify(ctx context.Context, gtin, serial, batch, expiry string) (trace.Verification, error) {
	if l.isDown() {
		return trace.Verification{}, fmt.Errorf("fake ledger: %w", ledger.ErrUnavailable)
	}
	c, err := l.state(ctx, 0, gtin, serial)
	if err != nil {
		return trace.Verification{}, err
	}
	lp := store.LocalPack{Stamp: store.CopyStamp{Block: c.Block, AsOf: c.Time}}
	if len(c.Packs) == 1 {
		lp.Found, lp.Pack = true, c.Packs[0]
	}
	for _, r := range c.Recalls {
		if r.GTIN == gtin && (r.Batch == batch || (lp.Found && r.Batch == lp.Pack.Batch)) {
			r := r
			lp.Recall = &r
		}
	}
	v := outbox.Judge(lp, outbox.Query{GTIN: gtin, Serial: serial, Batch: batch, Expiry: expiry}, time.Now())
	v.Offline = false
	return v, nil
}

// state reads packs and recalls changed after block since (one pack when gtin is set).
func (l *Ledger) state(ctx context.Context, since uint64, gtin, serial string) (store.Changes, error) {
	var c store.Changes
	var at sql.NullInt64
	var head int64
	if err := l.db.QueryRowContext(ctx, `SELECT coalesce(max(block), 0), max(at) FROM txs`).Scan(&head, &at); err != nil {
		return c, err
	}
	c.Block, c.Time = uint64(head), time.Unix(0, at.Int64).UTC()
	rows, err := l.db.QueryContext(ctx, `SELECT gtin, serial, status, batch, expiry, last_event, last_kind, last_time, last_place, block
		FROM packs WHERE block > ? AND (? = '' OR (gtin = ? AND serial = ?)) ORDER BY gtin, serial`, since, gtin, gtin, serial)
	if err != nil {
		return c, err
	}
	defer func() { _ = rows.Close() }() // a read: rows.Err reports a failure
	for rows.Next() {
		var p store.PackCopy
		var st, lk string
		var lt, b int64
		if err := rows.Scan(&p.GTIN, &p.Serial, &st, &p.Batch, &p.Expiry, &p.LastEvent, &lk, &lt, &p.LastPlace, &b); err != nil {
			return c, err
		}
		p.Status, p.LastKind, p.LastTime, p.Block = trace.PackStatus(st), trace.Kind(lk), time.Unix(0, lt).UTC(), uint64(b)
		c.Packs = append(c.Packs, p)
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	rrows, err := l.db.QueryContext(ctx, `SELECT gtin, batch, reason, block, at FROM recalls WHERE block > ?`, since)
	if err != nil {
		return c, err
	}
	defer func() { _ = rrows.Close() }() // a read: rrows.Err reports a failure
	for rrows.Next() {
		var r store.RecallCopy
		var b, at int64
		if err := rrows.Scan(&r.GTIN, &r.Batch, &r.Reason, &b, &at); err != nil {
			return c, err
		}
		r.Block, r.Time = uint64(b), time.Unix(0, at).UTC()
		c.Recalls = append(c.Recalls, r)
	}
	return c, rrows.Err()
}

// Snapshot sends the whole state in pages of 1000 packs.
func (l *Ledger) Snapshot(ctx context.Context, page func(store.Changes, int, int) error) error {
	if l.isDown() {
		return fmt.Errorf("fake ledger: %w", ledger.ErrUnavailable)
	}
	all, err := l.state(ctx, 0, "", "")
	if err != nil {
		return err
	}
	const size = 1000
	total := len(all.Packs)
	for i := 0; i == 0 || i < total; i += size {
		c := store.Changes{Block: all.Block, Time: all.Time, Packs: all.Packs[i:min(i+size, total)]}
		if i == 0 {
			c.Recalls = all.Recalls
		}
		if err := page(c, min(i+size, total), total); err != nil {
			return err
		}
	}
	return nil
}

// Follow delivers the changes after fromBlock-1, then each new commit, until ctx ends.
func (l *Ledger) Follow(ctx context.Context, fromBlock uint64, apply func(store.Changes) error) error {
	next := fromBlock
	for {
		if l.isDown() {
			return fmt.Errorf("fake ledger: %w", ledger.ErrUnavailable)
		}
		c, err := l.state(ctx, next-1, "", "")
		if err != nil {
			return err
		}
		if c.Block >= next {
			if err := apply(c); err != nil {
				return err
			}
			next = c.Block + 1
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.changed:
		}
	}
}

// Deliveries returns, per event ID, how many times it was accepted and how
// many times it arrived as a duplicate.
func (l *Ledger) Deliveries(ctx context.Context) (accepted, duplicates map[string]int, err error) {
	rows, err := l.db.QueryContext(ctx, `SELECT event_id, status FROM deliveries`)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = rows.Close() }() // a read: rows.Err reports a failure
	accepted, duplicates = map[string]int{}, map[string]int{}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			return nil, nil, err
		}
		switch trace.Status(st) {
		case trace.StatusAccepted:
			accepted[id]++
		case trace.StatusDuplicate:
			duplicates[id]++
		}
	}
	return accepted, duplicates, rows.Err()
}

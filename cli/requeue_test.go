package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/trace"
)

// TestQueueRequeue re-queues events the ledger rejected, by ID, by SEQ
// and all at once, and checks the list shows the record.
func TestQueueRequeue(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	s, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		ev, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindShip, GTIN: "09506000134352", Serial: fmt.Sprint("Q", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	c, err := s.ClaimBatch(ctx, 2, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res := trace.BatchResult{TxID: "tx9", Block: 4}
	for _, ev := range c.Events {
		res.Results = append(res.Results, trace.Result{EventID: ev.ID, Status: trace.StatusRejected, Reason: "never-packed", Message: "The pack was never packed."})
	}
	if err := s.Record(ctx, c.ID, res); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envData: dir, "USER": "tester"}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"nothing named", []string{"queue", "requeue"}, ExitUsage, "", "or --all"},
		{"both", []string{"queue", "requeue", "--all", ids[0]}, ExitUsage, "", "not both"},
		{"unknown ID", []string{"queue", "requeue", "nope"}, ExitUsage, "", "no such event"},
		{"not rejected", []string{"queue", "requeue", "3"}, ExitUsage, "", "is pending, not rejected"},
		{"list says they need attention", []string{"queue", "list"}, ExitOK, "2 rejected events need attention", ""},
		{"one by ID", []string{"queue", "requeue", "--role", "distributor", ids[0]}, ExitOK, "1 events re-queued", ""},
		{"list shows the record", []string{"queue", "list"}, ExitOK, "was rejected: never-packed: The pack was never packed.", ""},
		{"the same again", []string{"queue", "requeue", ids[0]}, ExitUsage, "", "not rejected"},
		{"the rest", []string{"queue", "requeue", "--all"}, ExitOK, "re-queued " + ids[1], ""},
		{"none left", []string{"queue", "requeue", "--all"}, ExitOK, "0 events re-queued", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, env, c.args...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errs, c.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", code, out, errs, c.code, c.stdout, c.stderr)
			}
		})
	}
	t.Run("list json", func(t *testing.T) {
		code, out, _ := run(t, env, "queue", "list", "--json")
		var items []queueItem
		if code != ExitOK || json.Unmarshal([]byte(out), &items) != nil || len(items) != 3 {
			t.Fatalf("exit %d, %q", code, out)
		}
		r := items[0].Requeued
		if items[0].State != store.StatePending || r == nil || r.By == "" || r.Role != "distributor" || r.Reason != "never-packed" || r.TxID != "tx9" || r.Block != 4 {
			t.Errorf("first item %+v, requeued %+v", items[0], r)
		}
		if items[2].Requeued != nil {
			t.Errorf("an event never rejected has a re-queue record: %+v", items[2].Requeued)
		}
	})
}

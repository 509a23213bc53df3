package station

import (
	"fmt"
	"sync"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
)

// link holds the ledger connection once it is made, or why there is none.
type link struct {
	mu  sync.Mutex
	c   *outbox.Client
	err error
}

func (l *link) set(c *outbox.Client, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c, l.err = c, err
}

// take removes the connection and returns it (nil when there is none).
func (l *link) take() *outbox.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.c
	l.c, l.err = nil, nil
	return c
}

// client returns the connection, or an error wrapping
// ledger.ErrUnavailable that says why there is none.
func (l *link) client() (*outbox.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.c != nil {
		return l.c, nil
	}
	if l.err != nil {
		return nil, fmt.Errorf("%w: %w", ledger.ErrUnavailable, l.err)
	}
	return nil, fmt.Errorf("%w: not connected yet", ledger.ErrUnavailable)
}

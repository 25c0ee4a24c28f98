package fortigate

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/sitekit/sitekit"
)

// TransactionsService starts CMDB batch transactions (FortiOS 6.4+).
type TransactionsService struct{ c *conn }

// Transaction is an open batch. Writes made through Client carry the X-TRANSACTION-ID
// header and are applied only by Commit; Abort (or the timeout) discards them.
type Transaction struct {
	// ID is the FortiOS transaction id.
	ID int
	// Client is a client whose CMDB requests belong to the transaction.
	Client *Client
	c      *conn
}

// Begin starts a transaction that FortiOS discards after timeout (1s to 1h, default 60s
// when zero).
func (s *TransactionsService) Begin(ctx context.Context, timeout time.Duration) (*Transaction, error) {
	if timeout == 0 {
		timeout = time.Minute
	}
	if timeout < time.Second || timeout > time.Hour {
		return nil, sitekit.Invalid("timeout", timeout, "must be between 1s and 1h")
	}
	q := s.c.query()
	q.Set("action", "transaction-start")
	env, err := s.c.do(ctx, http.MethodPost, "/api/v2/cmdb", q, map[string]any{"timeout": int(timeout / time.Second)})
	if err != nil {
		return nil, err
	}
	var res struct {
		ID Int `json:"transaction-id"`
	}
	if err := decodeResults(env, &res); err != nil {
		return nil, err
	}
	tc := &conn{rc: s.c.rc, vdom: s.c.vdom, txn: int(res.ID)}
	return &Transaction{ID: int(res.ID), Client: newClient(tc), c: s.c}, nil
}

func (t *Transaction) end(ctx context.Context, action string) error {
	q := t.c.query()
	q.Set("action", action)
	_, err := t.c.do(ctx, http.MethodPost, "/api/v2/cmdb", q, map[string]any{"transaction-id": t.ID})
	return err
}

// Commit applies the transaction's writes atomically.
func (t *Transaction) Commit(ctx context.Context) error { return t.end(ctx, "transaction-commit") }

// Abort discards the transaction's writes.
func (t *Transaction) Abort(ctx context.Context) error { return t.end(ctx, "transaction-abort") }

// Show returns the pending changes as CLI lines (FortiOS 7.4.1+).
func (t *Transaction) Show(ctx context.Context) ([]string, error) {
	q := t.c.query()
	q.Set("action", "transaction-show")
	q.Set("transaction-id", strconv.Itoa(t.ID))
	env, err := t.c.do(ctx, http.MethodGet, "/api/v2/cmdb", q, nil)
	if err != nil {
		return nil, err
	}
	var lines []string
	return lines, decodeResults(env, &lines)
}

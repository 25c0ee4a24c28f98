package xo_test

import (
	"context"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// instantClock fires at once and counts the waits, so waiters run without sleeping.
type instantClock struct{ waits chan struct{} }

func (c *instantClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	select {
	case c.waits <- struct{}{}:
	default:
	}
	return ch
}

// setup starts a simulator and a client on it with an instant clock.
func setup(t testing.TB, opts ...xotest.Option) (*xotest.Server, *xo.Client) {
	t.Helper()
	srv := xotest.New(t, opts...)
	c, err := srv.Client(xo.WithClock(&instantClock{waits: make(chan struct{}, 1024)}), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

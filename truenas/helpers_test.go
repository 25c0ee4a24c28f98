package truenas_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/truenastest"
)

func newPair(t *testing.T, sopts []truenastest.Option, copts ...sitekit.Option) (*truenastest.Server, *truenas.Client) {
	t.Helper()
	srv := truenastest.NewTestServer(t, sopts...)
	c, err := srv.Client(copts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v: want errors.Is %v", err, target)
	}
}

// wantField checks a local validation error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *sitekit.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T): want *sitekit.FieldError for %s", err, err, field)
	}
	if fe.Field != field {
		t.Fatalf("FieldError.Field = %q, want %q (%v)", fe.Field, field, err)
	}
	wantIs(t, err, sitekit.ErrInvalid)
}

var ctx = context.Background()

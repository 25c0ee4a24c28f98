package sitekit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sitekit/sitekit"
)

type decides bool

func (d decides) Error() string   { return "decides" }
func (d decides) Retryable() bool { return bool(d) }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestIsRetryableGeneric(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"outcome unknown", fmt.Errorf("create: %w", sitekit.ErrOutcomeUnknown), false},
		{"outcome unknown wins over Retryable", errors.Join(decides(true), sitekit.ErrOutcomeUnknown), false},
		{"error decides yes", fmt.Errorf("x: %w", decides(true)), true},
		{"error decides no", fmt.Errorf("x: %w", decides(false)), false},
		{"rate limited", fmt.Errorf("x: %w", sitekit.ErrRateLimited), true},
		{"field error", sitekit.Invalid("Name", "", "must not be empty"), false},
		{"pin mismatch", &sitekit.PinMismatchError{Got: "ab"}, false},
		{"not found", sitekit.ErrNotFound, false},
		{"exists", sitekit.ErrExists, false},
		{"in use", sitekit.ErrInUse, false},
		{"unauthorized", sitekit.ErrUnauthorized, false},
		{"cancelled", context.Canceled, false},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), false},
		{"network timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{"plain error", errors.New("boom"), false},
	} {
		assert.Equal(t, tc.want, sitekit.IsRetryable(tc.err), tc.name)
	}
}

func TestIsOutcomeUnknown(t *testing.T) {
	assert.True(t, sitekit.IsOutcomeUnknown(fmt.Errorf("x: %w", sitekit.ErrOutcomeUnknown)))
	assert.False(t, sitekit.IsOutcomeUnknown(sitekit.ErrExists))
	assert.False(t, sitekit.IsOutcomeUnknown(nil))
}

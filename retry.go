package sitekit

import (
	"context"
	"errors"
	"net"
	"time"
)

// IsOutcomeUnknown reports whether err says that a write was sent and its answer lost (a
// timeout, a dropped connection): the change may or may not have been applied, so the caller
// reads the state back before retrying. Such errors match [ErrOutcomeUnknown].
func IsOutcomeUnknown(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }

// IsRetryable reports whether sending the same request again may succeed: a transport failure
// before or without any effect (connection refused, reset on a read), an answer throttled with
// a Retry-After of at most [DefaultRetryPolicy].MaxRetryAfter (HTTP 429, an appliance's rate
// limit), or a gateway or server unavailable (HTTP 502, 503, 504). It answers for the errors of
// every client, whether HTTP or JSON-RPC, and for a client's APIError built by hand.
//
// It is false for nil, for an outcome-unknown error (observe first), for a TLS certificate or
// pin failure, for a rejected request (validation, authorisation, not found, exists, in use)
// and when the caller's context ended.
//
// An error decides for itself when it has a Retryable() bool method, as every client's error
// types do; otherwise a rate limit ([ErrRateLimited]) and a network timeout are retryable.
func IsRetryable(err error) bool {
	if err == nil || IsOutcomeUnknown(err) {
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	var pin *PinMismatchError
	switch {
	case errors.As(err, &pin), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrInvalid), errors.Is(err, ErrUnauthorized), errors.Is(err, ErrNotFound),
		errors.Is(err, ErrExists), errors.Is(err, ErrInUse):
		return false
	case errors.Is(err, ErrRateLimited):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// RetryPolicy bounds the retries of transient failures. Only idempotent requests are retried
// (and a request refused outright, such as a 429 on most appliances, or a connection that
// never opened); a create whose answer was lost surfaces [ErrOutcomeUnknown] instead.
type RetryPolicy struct {
	// MaxAttempts counts the first try: 1 disables retries. 0 means the default (4).
	MaxAttempts int
	// InitialInterval is the first backoff wait (default 200ms), growing ×2 up to MaxInterval
	// (default 5s), with ±50% jitter.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is honoured (default 30s); a longer
	// hint is returned to the caller as an error matching [ErrRateLimited].
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy used when none is given.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, InitialInterval: 200 * time.Millisecond, MaxInterval: 5 * time.Second, MaxRetryAfter: 30 * time.Second}

// WithDefaults fills zero fields from [DefaultRetryPolicy].
func (p RetryPolicy) WithDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.InitialInterval <= 0 {
		p.InitialInterval = d.InitialInterval
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = d.MaxInterval
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	return p
}

package sitekit

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every client's APIError and every local validation error matches exactly
// one of them with errors.Is, so callers branch on meaning, not on appliance codes.
var (
	// ErrNotFound: the object does not exist (HTTP 404, FortiOS -3, TrueNAS ENOENT, …).
	ErrNotFound = errors.New("sitekit: not found")
	// ErrExists: an object with that identity already exists (FortiOS -5/-15, EEXIST, …).
	ErrExists = errors.New("sitekit: already exists")
	// ErrInUse: the object is referenced by another one and cannot be deleted or renamed.
	ErrInUse = errors.New("sitekit: in use")
	// ErrInvalid: the request was rejected as malformed, before or after it was sent.
	ErrInvalid = errors.New("sitekit: invalid request")
	// ErrUnauthorized: credentials missing, wrong, expired or lacking permission.
	ErrUnauthorized = errors.New("sitekit: unauthorized")
	// ErrRateLimited: the appliance asked us to slow down (or locked the source out).
	ErrRateLimited = errors.New("sitekit: rate limited")
	// ErrOutcomeUnknown: a non-idempotent request was sent but its answer was lost (timeout,
	// connection reset). The write may or may not have happened: observe before retrying.
	ErrOutcomeUnknown = errors.New("sitekit: outcome unknown")
)

// FieldError reports a request rejected locally, before any I/O, naming the field and the
// offending value. It matches [ErrInvalid].
type FieldError struct {
	Field  string // dotted path of the field, e.g. "VLANID" or "VIFs[1].Network"
	Value  any    // the offending value (never a secret)
	Reason string // what is wrong, e.g. "must be between 1 and 4094"
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid %s %v: %s", e.Field, quoteValue(e.Value), e.Reason)
}

// Is reports whether target is [ErrInvalid].
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Invalid is a short constructor for a *[FieldError].
func Invalid(field string, value any, reason string) error {
	return &FieldError{Field: field, Value: value, Reason: reason}
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

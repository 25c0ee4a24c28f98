package ems

import (
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/sitekit/sitekit"
)

// ErrAmbiguousName is matched (errors.Is) by a Find whose name matches several objects, e.g.
// two groups with the same name under different parents. Find by full path, or Get by id.
var ErrAmbiguousName = errors.New("ems: ambiguous name")

// ListOptions tunes the listings of the families without filters (ZTNA tags, tagging rule
// sets, profiles). A nil *ListOptions lists everything.
type ListOptions struct {
	// PageSize is the number of objects asked per call by paged listings (tagging rule sets),
	// 1..MaxPageSize; 0 means DefaultPageSize. Listings EMS answers in one call ignore it.
	PageSize int
}

// Validate checks the options before any I/O.
func (o *ListOptions) Validate() error {
	if o == nil {
		return nil
	}
	return validatePageSize(o.PageSize)
}

func (o *ListOptions) pageSize() int {
	if o == nil {
		return 0
	}
	return o.PageSize
}

// NotFoundError reports a Get or Find that matched nothing. It matches sitekit.ErrNotFound.
type NotFoundError struct {
	// Kind names the family: "group", "ztna tag", …
	Kind string
	// Name is the name looked up by Find ("" for a Get by id).
	Name string
	// ID is the id looked up by Get (0 for a Find by name).
	ID int
}

// Error implements error.
func (e *NotFoundError) Error() string {
	if e.Name == "" {
		return "ems: " + e.Kind + " " + strconv.Itoa(e.ID) + " not found"
	}
	return "ems: " + e.Kind + " " + strconv.Quote(e.Name) + " not found"
}

// Is reports whether target is sitekit.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == sitekit.ErrNotFound }

// items yields the objects of a listing EMS answers in one call.
func items[T any](list func() ([]T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		all, err := list()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, v := range all {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// paged yields the objects of an offset/count listing, one page of size objects at a time
// (0: DefaultPageSize). fetch returns one page and the total matching. It stops when a page
// is short, the total is reached, or yield returns false; an error is yielded last.
func paged[T any](size int, fetch func(offset, count int) ([]T, int, error)) iter.Seq2[T, error] {
	if size == 0 {
		size = DefaultPageSize
	}
	return func(yield func(T, error) bool) {
		var zero T
		if err := validatePageSize(size); err != nil {
			yield(zero, err)
			return
		}
		for offset := 0; ; {
			page, total, err := fetch(offset, size)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, v := range page {
				if !yield(v, nil) {
					return
				}
			}
			offset += len(page)
			if len(page) < size || offset >= total {
				return
			}
		}
	}
}

// collect gathers an iterator into a slice (never nil on success).
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	out := []T{}
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// findOne returns the one object of seq that match accepts: a *NotFoundError when none does,
// an error matching ErrAmbiguousName when several do.
func findOne[T any](seq iter.Seq2[T, error], kind, name string, id int, match func(T) bool) (T, error) {
	var found []T
	for v, err := range seq {
		if err != nil {
			var zero T
			return zero, err
		}
		if match(v) {
			found = append(found, v)
		}
	}
	switch len(found) {
	case 0:
		var zero T
		return zero, &NotFoundError{Kind: kind, Name: name, ID: id}
	case 1:
		return found[0], nil
	}
	var zero T
	return zero, fmt.Errorf("ems: %d %ss are named %q: %w", len(found), kind, name, ErrAmbiguousName)
}

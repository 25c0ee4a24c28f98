package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// Reader is shared by every resource observed during one plan. It runs at
// most one list call per (appliance, collection) and caches its result for
// the reader's lifetime, so a plan of 300 resources in 12 collections costs
// 12 list calls. Concurrent callers of the same list share one call
// (singleflight). Apply re-observes through fresh readers.
type Reader struct {
	site  string
	sf    singleflight.Group
	mu    sync.Mutex
	cache map[string]listResult
	calls atomic.Int64
}

type listResult struct {
	v   any
	err error
}

// NewReader returns an empty reader for site.
func NewReader(site string) *Reader {
	return &Reader{site: site, cache: map[string]listResult{}}
}

// Site is the name of the site being planned; see [Marker].
func (r *Reader) Site() string { return r.site }

// Calls is the number of list calls actually run.
func (r *Reader) Calls() int { return int(r.calls.Load()) }

// List returns the collection of appliance, calling fetch only if no other
// caller of this reader has fetched it. fetch runs detached from the
// caller's cancellation (its result serves every caller); a caller whose ctx
// ends stops waiting. Errors are cached too, except cancellations.
func (r *Reader) List(ctx context.Context, appliance, collection string, fetch func(ctx context.Context) (any, error)) (any, error) {
	key := appliance + "\x00" + collection
	r.mu.Lock()
	if res, ok := r.cache[key]; ok {
		r.mu.Unlock()
		return res.v, res.err
	}
	r.mu.Unlock()
	detached := context.WithoutCancel(ctx)
	ch := r.sf.DoChan(key, func() (any, error) {
		r.mu.Lock()
		res, ok := r.cache[key]
		r.mu.Unlock()
		if ok {
			return res.v, res.err
		}
		r.calls.Add(1)
		v, err := safeFetch(detached, fetch)
		if err == nil || (!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)) {
			r.mu.Lock()
			r.cache[key] = listResult{v, err}
			r.mu.Unlock()
		}
		return v, err
	})
	select {
	case res := <-ch:
		return res.Val, res.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ListAs is [Reader.List] for a typed collection.
func ListAs[T any](ctx context.Context, r *Reader, appliance, collection string, fetch func(ctx context.Context) (T, error)) (T, error) {
	v, err := r.List(ctx, appliance, collection, func(ctx context.Context) (any, error) { return fetch(ctx) })
	var zero T
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("list %s/%s: cached %T, want %T", appliance, collection, v, zero)
	}
	return t, nil
}

func safeFetch(ctx context.Context, fetch func(ctx context.Context) (any, error)) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("list panicked: %v", p)
		}
	}()
	return fetch(ctx)
}

// Find lists collection of k's appliance through r (once per plan, see
// [Reader.List]) and returns the item whose name, as given by name, is
// k.Name. It is the usual body of an OnObserve:
//
//	v, ok, err := engine.Find(ctx, r, key, "vlans", fgt.VLANs.List, func(v fortigate.VLAN) string { return v.Name })
//	if err != nil || !ok {
//		return engine.NotFound(), err
//	}
//	site, _ := sitekit.ParseMarker(v.Comments)
//	return engine.Found(v, site == r.Site(), engine.Outputs{"name": v.Name}), nil
func Find[S any](ctx context.Context, r *Reader, k Key, collection string, list func(ctx context.Context) ([]S, error), name func(S) string) (S, bool, error) {
	var zero S
	items, err := ListAs(ctx, r, k.Appliance, collection, list)
	if err != nil {
		return zero, false, err
	}
	for _, it := range items {
		if name(it) == k.Name {
			return it, true, nil
		}
	}
	return zero, false, nil
}

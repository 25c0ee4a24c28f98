package engine

import (
	"maps"
	"time"
)

// Defaults of the apply options.
const (
	DefaultParallelism = 10 // steps running at once, all appliances together
	DefaultLimit       = 1  // concurrent writes per appliance
)

// Option configures Plan, Apply and Destroy. Options given to Plan are kept
// by the plan and apply to its Apply; options given to Apply come after.
type Option func(*options)

type options struct {
	site         string
	parallelism  int
	defaultLimit int
	limits       map[string]int
	failFast     bool
	stepTimeout  time.Duration
	retries      int
	retryBase    time.Duration
	retryMax     time.Duration
	events       func(Event)
}

func buildOptions(base *options, opts []Option) options {
	o := options{parallelism: DefaultParallelism, defaultLimit: DefaultLimit, retryBase: time.Second, retryMax: 30 * time.Second, limits: map[string]int{}}
	if base != nil {
		o = *base
		o.limits = maps.Clone(base.limits)
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o *options) limit(appliance string) int {
	if n, ok := o.limits[appliance]; ok && n > 0 {
		return n
	}
	return o.defaultLimit
}

// WithSite names the site; resources use [Reader.Site] to check and write
// the managed-by marker.
func WithSite(site string) Option { return func(o *options) { o.site = site } }

// WithParallelism sets the number of steps (or plan observations) running
// at once; n < 1 means [DefaultParallelism].
func WithParallelism(n int) Option {
	return func(o *options) {
		if n < 1 {
			n = DefaultParallelism
		}
		o.parallelism = n
	}
}

// WithLimit sets the number of concurrent writes to one appliance.
func WithLimit(appliance string, n int) Option {
	return func(o *options) {
		if o.limits == nil {
			o.limits = map[string]int{}
		}
		o.limits[appliance] = max(n, 1)
	}
}

// WithDefaultLimit sets the write limit of appliances without [WithLimit];
// the default is [DefaultLimit].
func WithDefaultLimit(n int) Option { return func(o *options) { o.defaultLimit = max(n, 1) } }

// WithFailFast cancels the run at the first failure: running steps see their
// context cancelled and steps not started are reported cancelled. Without it
// independent branches continue and only dependents are skipped.
func WithFailFast() Option { return func(o *options) { o.failFast = true } }

// WithStepTimeout bounds each attempt of a step. A create that times out is
// ambiguous and re-observed before any retry.
func WithStepTimeout(d time.Duration) Option { return func(o *options) { o.stepTimeout = d } }

// WithRetries retries steps failing with a transient error (see
// [IsTransient]) up to n more times, waiting base, 2·base, 4·base … (capped
// at 30 s) between attempts and emitting an [EventRetrying] each time.
func WithRetries(n int, base time.Duration) Option {
	return func(o *options) {
		o.retries = max(n, 0)
		if base > 0 {
			o.retryBase = base
		}
	}
}

// WithEvents delivers events to fn. fn runs on a separate goroutine fed by
// an unbounded queue, so a slow fn never delays scheduling; events arrive in
// order and Apply returns only after fn has seen the last one.
func WithEvents(fn func(Event)) Option { return func(o *options) { o.events = fn } }

// WithEventChan delivers events to ch (from the event goroutine, see
// [WithEvents]): the receiver must keep reading until Apply returns.
func WithEventChan(ch chan<- Event) Option {
	return WithEvents(func(e Event) { ch <- e })
}

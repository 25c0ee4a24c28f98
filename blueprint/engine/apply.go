package engine

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"time"
)

// Outcome is the final state of a step in a [Result].
type Outcome string

// Step outcomes.
const (
	OutcomeDone      Outcome = "done"
	OutcomeNoop      Outcome = "noop"
	OutcomeFailed    Outcome = "failed"
	OutcomeSkipped   Outcome = "skipped"
	OutcomeCancelled Outcome = "cancelled"
)

// StepResult is what happened to one step.
type StepResult struct {
	ID       string    `json:"id"`
	Key      Key       `json:"key"`
	Action   Action    `json:"action"`
	Outcome  Outcome   `json:"outcome"`
	Attempts int       `json:"attempts"`
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	// Err is the failure, or why the step was skipped or cancelled.
	Err error `json:"-"`
	// Error is Err as text, for JSON.
	Error string `json:"error,omitempty"`
	// Outputs produced (or observed, for no-ops).
	Outputs Outputs `json:"outputs,omitempty"`
}

// Duration is End − Start (zero for steps that never ran).
func (s StepResult) Duration() time.Duration { return s.End.Sub(s.Start) }

// Summary counts steps per outcome.
type Summary struct {
	Done, Noop, Failed, Skipped, Cancelled int
}

// Result of an apply: every step of the plan, in plan order.
type Result struct {
	Steps   []StepResult `json:"steps"`
	Summary Summary      `json:"summary"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end"`
	index   map[string]int
	plan    *Plan
	opts    options
}

// Step returns the result of key k, or nil.
func (r *Result) Step(k Key) *StepResult {
	i, ok := r.index[k.String()]
	if !ok {
		return nil
	}
	return &r.Steps[i]
}

// Wall is the run's elapsed time.
func (r *Result) Wall() time.Duration { return r.End.Sub(r.Start) }

// Err joins the errors of failed steps (each prefixed by its ID) and, if
// steps were cancelled, the cancellation cause. Nil when everything is done.
func (r *Result) Err() error {
	var errs []error
	cancelled := 0
	var cause error
	for _, s := range r.Steps {
		switch s.Outcome {
		case OutcomeFailed:
			errs = append(errs, fmt.Errorf("%s: %w", s.ID, s.Err))
		case OutcomeCancelled:
			cancelled++
			if cause == nil {
				cause = s.Err
			}
		}
	}
	if cancelled > 0 {
		errs = append(errs, fmt.Errorf("%d steps cancelled: %w", cancelled, cause))
	}
	return errors.Join(errs...)
}

// String is a one-line summary.
func (r *Result) String() string {
	s := r.Summary
	return fmt.Sprintf("Apply: %d done, %d unchanged, %d failed, %d skipped, %d cancelled in %s.",
		s.Done, s.Noop, s.Failed, s.Skipped, s.Cancelled, r.Wall().Round(time.Millisecond))
}

// Apply executes the plan. One coordinator goroutine owns all scheduling
// state and dispatches ready steps, longest remaining path first, as long as
// fewer than the parallelism are running and the step's appliance is under
// its write limit; workers only run steps and report on a channel with room
// for every step, so neither side ever waits on the other. No-ops complete
// in the coordinator. A failed step skips its dependents and lets
// independent branches finish ([WithFailFast] cancels instead). Cancelling
// ctx stops dispatching at once; running steps see their context cancelled
// and Apply returns when they have returned, with every step's state. The
// error is [Result.Err].
//
// A plan reflects the appliances when it was made: apply it once, then
// re-plan (steps are idempotent, so applying a stale plan is safe but may
// do needless writes).
func (p *Plan) Apply(ctx context.Context, opts ...Option) (*Result, error) {
	o := buildOptions(&p.opts, opts)
	ex := newExecutor(p, o)
	res := ex.run(ctx)
	return res, res.Err()
}

type report struct {
	i        int
	outputs  Outputs
	err      error
	attempts int
	start    time.Time
	end      time.Time
	// cancelled: the run's context was done when the step returned an error.
	cancelled bool
}

type executor struct {
	p       *Plan
	o       options
	ev      *eventQueue
	res     *Result
	indeg   []int
	final   []bool
	outputs []Outputs
	queues  map[string]*stepHeap
	apps    []string // appliances in first-seen plan order, for determinism
	busy    map[string]int
	running int
	done    chan report
}

func newExecutor(p *Plan, o options) *executor {
	n := len(p.Steps)
	ex := &executor{p: p, o: o, indeg: make([]int, n), final: make([]bool, n), outputs: make([]Outputs, n),
		queues: map[string]*stepHeap{}, busy: map[string]int{}, done: make(chan report, n)}
	ex.res = &Result{Steps: make([]StepResult, n), index: p.index, plan: p, opts: o}
	for i, s := range p.Steps {
		ex.indeg[i] = len(s.deps)
		ex.res.Steps[i] = StepResult{ID: s.ID, Key: s.Key, Action: s.Action}
		a := s.Key.Appliance
		if _, ok := ex.queues[a]; !ok {
			ex.queues[a] = &stepHeap{steps: p.Steps}
			ex.apps = append(ex.apps, a)
		}
	}
	return ex
}

func (ex *executor) emit(t EventType, i int, f func(*Event)) {
	s := ex.p.Steps[i]
	e := Event{Type: t, Step: s.ID, Key: s.Key, Action: s.Action, Time: time.Now()}
	if f != nil {
		f(&e)
	}
	ex.ev.emit(e)
}

func (ex *executor) run(parent context.Context) *Result {
	ex.ev = newEventQueue(ex.o.events)
	defer ex.ev.close()
	ex.res.Start = time.Now()
	n := len(ex.p.Steps)
	for i := range ex.p.Steps {
		ex.emit(EventPlanned, i, func(e *Event) { e.Total = n })
	}
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)

	// Take the roots before readying any: readying a no-op root completes it at once and
	// readies its dependents, which must not be found again as roots below.
	var roots []int
	for i := range ex.p.Steps {
		if ex.indeg[i] == 0 {
			roots = append(roots, i)
		}
	}
	for _, i := range roots {
		ex.ready(i)
	}
	stopped := false
	for {
		if !stopped && ctx.Err() != nil {
			stopped = true // cancelled: dispatch nothing more
		}
		if !stopped {
			ex.dispatch(ctx)
		}
		if ex.running == 0 {
			break
		}
		if stopped {
			ex.handle(<-ex.done, true)
			continue
		}
		select {
		case r := <-ex.done:
			if ex.handle(r, false) && ex.o.failFast {
				cancel(fmt.Errorf("fail-fast: %s failed", ex.p.Steps[r.i].ID))
				stopped = true
			}
		case <-ctx.Done():
			stopped = true
		}
	}
	cause := context.Cause(ctx)
	if cause == nil {
		cause = context.Canceled
	}
	for i := range ex.p.Steps {
		if !ex.final[i] {
			ex.finish(i, OutcomeCancelled, cause)
			ex.emit(EventCancelled, i, func(e *Event) { e.Reason = cause.Error() })
		}
	}
	ex.res.End = time.Now()
	for _, s := range ex.res.Steps {
		switch s.Outcome {
		case OutcomeDone:
			ex.res.Summary.Done++
		case OutcomeNoop:
			ex.res.Summary.Noop++
		case OutcomeFailed:
			ex.res.Summary.Failed++
		case OutcomeSkipped:
			ex.res.Summary.Skipped++
		case OutcomeCancelled:
			ex.res.Summary.Cancelled++
		}
	}
	return ex.res
}

func (ex *executor) finish(i int, out Outcome, err error) {
	ex.final[i] = true
	r := &ex.res.Steps[i]
	r.Outcome = out
	r.Err = err
	if err != nil {
		r.Error = err.Error()
	}
}

// ready makes step i runnable: no-ops complete at once (and may make their
// dependents ready), others join their appliance's queue.
func (ex *executor) ready(i int) {
	work := []int{i}
	for len(work) > 0 {
		j := work[len(work)-1]
		work = work[:len(work)-1]
		s := ex.p.Steps[j]
		if s.Action != ActionNoop {
			heap.Push(ex.queues[s.Key.Appliance], j)
			continue
		}
		ex.outputs[j] = s.obs.Outputs
		ex.res.Steps[j].Outputs = s.obs.Outputs
		ex.finish(j, OutcomeNoop, nil)
		ex.emit(EventDone, j, nil)
		for _, u := range s.users {
			ex.indeg[u]--
			if ex.indeg[u] == 0 && !ex.final[u] {
				work = append(work, u)
			}
		}
	}
}

// dispatch starts ready steps while slots and appliance lanes are free,
// highest priority first.
func (ex *executor) dispatch(ctx context.Context) {
	for ex.running < ex.o.parallelism {
		best := -1
		for _, a := range ex.apps {
			q := ex.queues[a]
			if q.Len() == 0 || ex.busy[a] >= ex.o.limit(a) {
				continue
			}
			if best < 0 || q.less(q.idx[0], best) {
				best = q.idx[0]
			}
		}
		if best < 0 {
			return
		}
		s := ex.p.Steps[best]
		heap.Pop(ex.queues[s.Key.Appliance])
		ex.busy[s.Key.Appliance]++
		ex.running++
		in := make(map[Key]Outputs, len(s.deps))
		for _, d := range s.deps {
			in[ex.p.Steps[d].Key] = ex.outputs[d]
		}
		ex.emit(EventStarted, best, nil)
		go ex.work(ctx, best, Inputs{m: in})
	}
}

// handle records a worker report; it returns true when the step failed.
func (ex *executor) handle(r report, stopped bool) bool {
	s := ex.p.Steps[r.i]
	ex.running--
	ex.busy[s.Key.Appliance]--
	sr := &ex.res.Steps[r.i]
	sr.Attempts, sr.Start, sr.End = r.attempts, r.start, r.end
	if r.err == nil {
		ex.outputs[r.i] = r.outputs
		sr.Outputs = r.outputs
		ex.finish(r.i, OutcomeDone, nil)
		ex.emit(EventDone, r.i, func(e *Event) { e.Attempt = r.attempts })
		for _, u := range s.users {
			ex.indeg[u]--
			if ex.indeg[u] == 0 && !ex.final[u] && !stopped {
				ex.ready(u)
			}
		}
		return false
	}
	if r.cancelled {
		ex.finish(r.i, OutcomeCancelled, r.err)
		ex.emit(EventCancelled, r.i, func(e *Event) { e.Err = r.err })
		return false
	}
	ex.finish(r.i, OutcomeFailed, r.err)
	ex.emit(EventFailed, r.i, func(e *Event) { e.Err = r.err; e.Attempt = r.attempts })
	ex.skipDependents(r.i, s.ID)
	return true
}

func (ex *executor) skipDependents(i int, failed string) {
	work := []int{i}
	for len(work) > 0 {
		j := work[0]
		work = work[1:]
		for _, u := range ex.p.Steps[j].users {
			if ex.final[u] {
				continue
			}
			err := fmt.Errorf("%w: %s failed", ErrUpstream, failed)
			if j != i {
				err = fmt.Errorf("%w: %s failed (via %s)", ErrUpstream, failed, ex.p.Steps[j].ID)
			}
			ex.finish(u, OutcomeSkipped, err)
			ex.emit(EventSkipped, u, func(e *Event) { e.Reason = err.Error() })
			work = append(work, u)
		}
	}
}

// work runs on its own goroutine: it runs one step and reports on ex.done,
// which has room for every step, so it never blocks.
func (ex *executor) work(ctx context.Context, i int, in Inputs) {
	s := ex.p.Steps[i]
	r := report{i: i, start: time.Now()}
	r.outputs, r.attempts, r.err = ex.runStep(ctx, i, s, in)
	// A step is cancelled (not failed) when the run was cancelled and its
	// error says so; a genuine failure racing with cancellation stays failed.
	r.cancelled = r.err != nil && ctx.Err() != nil &&
		(errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Cause(ctx)))
	r.end = time.Now()
	ex.done <- r
}

func (ex *executor) runStep(ctx context.Context, i int, s *Step, in Inputs) (Outputs, int, error) {
	for _, ref := range s.refs {
		if s.Action == ActionDelete {
			break // a delete needs no inputs; its targets are deleted after it
		}
		v, ok := in.Output(ref.Target(), ref.OutputName())
		if !ok {
			return nil, 0, fmt.Errorf("reference %s: output missing after %s", ref, ref.Target())
		}
		if _, err := ref.convert(v); err != nil {
			return nil, 0, err
		}
	}
	action, cur := s.Action, s.obs
	attempt := 0
	for {
		attempt++
		out, err := ex.attempt(ctx, s, action, in, cur)
		if err == nil {
			if out == nil && action == ActionUpdate {
				out = cur.Outputs
			}
			return out, attempt, nil
		}
		if ctx.Err() != nil {
			return nil, attempt, errors.Join(err, context.Cause(ctx))
		}
		retry := attempt <= ex.o.retries && IsTransient(err)
		if action == ActionCreate && IsAmbiguous(err) {
			// The object may exist now: look before doing anything else.
			ob, oerr := safeObserve(ctx, s.res, NewReader(ex.o.site))
			switch {
			case oerr != nil:
				err = fmt.Errorf("%w (re-observe after ambiguous create: %v)", err, oerr)
			case ob.Exists && len(s.res.Diff(in, ob)) == 0:
				return ob.Outputs, attempt, nil
			case ob.Exists:
				action, cur = ActionUpdate, ob
			}
		}
		if !retry {
			return nil, attempt, err
		}
		delay := min(ex.o.retryBase<<(attempt-1), ex.o.retryMax)
		ex.emit(EventRetrying, i, func(e *Event) { e.Attempt = attempt + 1; e.Err = err })
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, attempt, errors.Join(err, context.Cause(ctx))
		}
	}
}

// attempt runs one write with the step timeout, turning panics into errors.
func (ex *executor) attempt(ctx context.Context, s *Step, action Action, in Inputs, cur Observed) (out Outputs, err error) {
	if ex.o.stepTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ex.o.stepTimeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	switch action {
	case ActionCreate:
		return s.res.Create(ctx, in)
	case ActionUpdate:
		return s.res.Update(ctx, in, cur)
	case ActionDelete:
		return nil, s.res.Delete(ctx, cur)
	}
	return cur.Outputs, nil
}

// stepHeap orders ready steps: longest remaining path first, then ID.
type stepHeap struct {
	steps []*Step
	idx   []int
}

func (h *stepHeap) less(a, b int) bool {
	sa, sb := h.steps[a], h.steps[b]
	if sa.priority != sb.priority {
		return sa.priority > sb.priority
	}
	return sa.ID < sb.ID
}
func (h *stepHeap) Len() int           { return len(h.idx) }
func (h *stepHeap) Less(i, j int) bool { return h.less(h.idx[i], h.idx[j]) }
func (h *stepHeap) Swap(i, j int)      { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *stepHeap) Push(x any)         { h.idx = append(h.idx, x.(int)) }
func (h *stepHeap) Pop() any {
	n := len(h.idx) - 1
	x := h.idx[n]
	h.idx = h.idx[:n]
	return x
}

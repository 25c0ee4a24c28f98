package engine

import (
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
	sch     *Scheduler
	final   []bool
	outputs []Outputs
	done    chan report
}

func newExecutor(p *Plan, o options) *executor {
	n := len(p.Steps)
	ex := &executor{p: p, o: o, final: make([]bool, n), outputs: make([]Outputs, n), done: make(chan report, n)}
	ex.res = &Result{Steps: make([]StepResult, n), index: p.index, plan: p, opts: o}
	for i, s := range p.Steps {
		ex.res.Steps[i] = StepResult{ID: s.ID, Key: s.Key, Action: s.Action}
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

	sch, err := NewScheduler(ex.p.Steps, ex.o.limitsData(), ex.o.failFast)
	if err != nil {
		// A plan made by Graph.Plan is always schedulable; a hand-made one may not be.
		cancel(err)
		sch = nil
	}
	ex.sch = sch
	stopped := sch == nil
	for !stopped || (sch != nil && sch.Running() > 0) {
		if !stopped && ctx.Err() != nil {
			stopped = true // cancelled: dispatch nothing more
			sch.Stop()
		}
		if !stopped {
			ex.dispatch(ctx)
		}
		if sch.Finished() {
			break
		}
		if stopped {
			ex.handle(<-ex.done)
			continue
		}
		select {
		case r := <-ex.done:
			ex.handle(r)
			if sch.Stopped() {
				cancel(fmt.Errorf("fail-fast: %s failed", ex.p.Steps[r.i].ID))
				stopped = true
			}
		case <-ctx.Done():
			stopped = true
			sch.Stop()
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

// dispatch asks the scheduler for the steps to start: no-ops complete here,
// the others start on their own goroutine.
func (ex *executor) dispatch(ctx context.Context) {
	for _, i := range ex.sch.Next() {
		s := ex.p.Steps[i]
		if s.Action == ActionNoop {
			ex.outputs[i] = s.obs.Outputs
			ex.res.Steps[i].Outputs = s.obs.Outputs
			ex.finish(i, OutcomeNoop, nil)
			ex.emit(EventDone, i, nil)
			continue
		}
		in := make(map[Key]Outputs, len(s.deps))
		for _, d := range ex.sch.Deps(i) {
			in[ex.p.Steps[d].Key] = ex.outputs[d]
		}
		ex.emit(EventStarted, i, nil)
		go ex.work(ctx, i, Inputs{m: in})
	}
}

// handle records a worker report in the result and the scheduler.
func (ex *executor) handle(r report) {
	sr := &ex.res.Steps[r.i]
	sr.Attempts, sr.Start, sr.End = r.attempts, r.start, r.end
	if r.err == nil {
		_ = ex.sch.Done(r.i) // the step is running: it was handed out by Next
		ex.outputs[r.i] = r.outputs
		sr.Outputs = r.outputs
		ex.finish(r.i, OutcomeDone, nil)
		ex.emit(EventDone, r.i, func(e *Event) { e.Attempt = r.attempts })
		return
	}
	if r.cancelled {
		_ = ex.sch.Cancelled(r.i)
		ex.finish(r.i, OutcomeCancelled, r.err)
		ex.emit(EventCancelled, r.i, func(e *Event) { e.Err = r.err })
		return
	}
	skips, _ := ex.sch.Failed(r.i)
	ex.finish(r.i, OutcomeFailed, r.err)
	ex.emit(EventFailed, r.i, func(e *Event) { e.Err = r.err; e.Attempt = r.attempts })
	for _, k := range skips {
		err := k.Reason(ex.p.Steps)
		ex.finish(k.Step, OutcomeSkipped, err)
		ex.emit(EventSkipped, k.Step, func(e *Event) { e.Reason = err.Error() })
	}
}

// work runs on its own goroutine: it runs one step and reports on ex.done,
// which has room for every step, so it never blocks.
func (ex *executor) work(ctx context.Context, i int, in Inputs) {
	s := ex.p.Steps[i]
	r := report{i: i, start: time.Now()}
	ctx = withProgress(ctx, func(msg string) { ex.emit(EventProgress, i, func(e *Event) { e.Reason = msg }) })
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
func (ex *executor) attempt(ctx context.Context, s *Step, action Action, in Inputs, cur Observed) (Outputs, error) {
	return write(ctx, ex.o.stepTimeout, func(ctx context.Context) (Outputs, error) {
		switch action {
		case ActionCreate:
			return s.res.Create(ctx, in)
		case ActionUpdate:
			return s.res.Update(ctx, in, cur)
		case ActionDelete:
			return nil, s.res.Delete(ctx, cur)
		}
		return cur.Outputs, nil
	})
}

package engine

import (
	"container/heap"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Limits are the concurrency limits of an apply, as data: how many steps run
// at once over all appliances, and how many writes each appliance accepts at
// once. The zero Limits means [DefaultParallelism] and [DefaultLimit].
type Limits struct {
	// Parallelism is the number of steps running at once, all appliances
	// together; < 1 means [DefaultParallelism].
	Parallelism int `json:"parallelism"`
	// Default is the write limit of an appliance absent from Appliances;
	// < 1 means [DefaultLimit].
	Default int `json:"default"`
	// Appliances maps an appliance name to its write limit.
	Appliances map[string]int `json:"appliances,omitempty"`
}

// Limit returns the number of concurrent writes appliance accepts.
func (l Limits) Limit(appliance string) int {
	if n, ok := l.Appliances[appliance]; ok && n > 0 {
		return n
	}
	if l.Default > 0 {
		return l.Default
	}
	return DefaultLimit
}

// MaxParallel returns the number of steps running at once.
func (l Limits) MaxParallel() int {
	if l.Parallelism > 0 {
		return l.Parallelism
	}
	return DefaultParallelism
}

// Options returns the options setting these limits ([WithParallelism],
// [WithDefaultLimit], [WithLimit] per appliance, in sorted order).
func (l Limits) Options() []Option {
	def := l.Default
	if def < 1 {
		def = DefaultLimit
	}
	opts := []Option{WithParallelism(l.MaxParallel()), WithDefaultLimit(def)}
	apps := make([]string, 0, len(l.Appliances))
	for a := range l.Appliances {
		apps = append(apps, a)
	}
	slices.Sort(apps)
	for _, a := range apps {
		opts = append(opts, WithLimit(a, l.Appliances[a]))
	}
	return opts
}

// LimitsOf returns the limits that opts configure (unset ones at their
// defaults).
func LimitsOf(opts ...Option) Limits {
	o := buildOptions(nil, opts)
	return o.limitsData()
}

func (o *options) limitsData() Limits {
	return Limits{Parallelism: o.parallelism, Default: o.defaultLimit, Appliances: maps.Clone(o.limits)}
}

// Limits returns the parallelism and write limits the plan's Apply uses by
// default (those given to Plan).
func (p *Plan) Limits() Limits { return p.opts.limitsData() }

// StepState is where a step stands in a [Scheduler].
type StepState int

// Step states. A step ends Done, Failed, Skipped or Cancelled.
const (
	StatePending   StepState = iota // dependencies not all done yet
	StateReady                      // waiting for a slot or its appliance
	StateRunning                    // handed out by Next, no outcome yet
	StateDone                       // succeeded (no-ops included)
	StateFailed                     // failed
	StateSkipped                    // a dependency failed
	StateCancelled                  // stopped before or while running
)

var stateNames = [...]string{"pending", "ready", "running", "done", "failed", "skipped", "cancelled"}

// String returns the state's name.
func (s StepState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("StepState(%d)", int(s))
}

// Final reports whether the state is an outcome.
func (s StepState) Final() bool { return s >= StateDone }

// Skip is a step the scheduler skipped because a step it depends on failed.
type Skip struct {
	// Step is the index of the skipped step.
	Step int
	// Failed is the index of the step that failed.
	Failed int
	// Via is the index of the dependency through which the failure reached
	// Step (Via == Failed for direct dependents).
	Via int
}

// Reason returns the skip's explanation, wrapping [ErrUpstream] and naming
// the failed step (and the intermediate one, if any).
func (k Skip) Reason(steps []*Step) error {
	if k.Via == k.Failed {
		return fmt.Errorf("%w: %s failed", ErrUpstream, steps[k.Failed].ID)
	}
	return fmt.Errorf("%w: %s failed (via %s)", ErrUpstream, steps[k.Failed].ID, steps[k.Via].ID)
}

// Scheduler decides which steps of a plan run next. It is pure and
// deterministic: no goroutines, no clock, no randomness, no iteration over
// maps; the same steps, limits and sequence of outcomes always give the same
// dispatches. [Plan.Apply] drives one with goroutines, a Temporal workflow
// drives one with activities: there is a single scheduling logic.
//
// Next hands out ready steps, the longest remaining path (sum of
// [Step.Estimate] down to the end of the plan) first, then by ID, while fewer
// than the parallelism are running and the step's appliance is under its
// write limit; a step waiting for a busy appliance never holds a global slot.
// No-op steps complete inside Next without taking a slot. Done, Failed and
// Cancelled record outcomes; a failure skips every transitive dependent, and
// with failFast stops all further dispatch. A Scheduler is not safe for
// concurrent use.
type Scheduler struct {
	steps    []*Step
	deps     [][]int
	users    [][]int
	prio     []time.Duration
	state    []StepState
	waiting  []int // unfinished dependencies per step
	apps     []string
	appOf    []int
	queues   []*readyHeap
	noops    []int // ready no-ops, sorted by (priority, ID)
	busy     []int
	running  int
	limits   Limits
	failFast bool
	stopped  bool
}

// NewScheduler returns the scheduler of steps (a [Plan]'s Steps, or the same
// steps decoded from JSON: only ID, Key, Action, Deps and Estimate are read).
// Every dependency must name a step of the list and the steps must not form
// a cycle.
func NewScheduler(steps []*Step, limits Limits, failFast bool) (*Scheduler, error) {
	n := len(steps)
	s := &Scheduler{steps: steps, deps: make([][]int, n), users: make([][]int, n), prio: make([]time.Duration, n),
		state: make([]StepState, n), waiting: make([]int, n), appOf: make([]int, n), limits: limits, failFast: failFast}
	index := make(map[string]int, n)
	for i, st := range steps {
		if _, dup := index[st.ID]; dup {
			return nil, fmt.Errorf("scheduler: duplicate step %s", st.ID)
		}
		index[st.ID] = i
	}
	for i, st := range steps {
		for _, d := range st.Deps {
			j, ok := index[d]
			if !ok {
				return nil, fmt.Errorf("scheduler: step %s depends on unknown step %s", st.ID, d)
			}
			s.deps[i] = append(s.deps[i], j)
		}
		slices.Sort(s.deps[i])
		s.deps[i] = slices.Compact(s.deps[i])
		for _, j := range s.deps[i] {
			s.users[j] = append(s.users[j], i)
		}
		s.waiting[i] = len(s.deps[i])
		a := slices.Index(s.apps, st.Key.Appliance)
		if a < 0 {
			a = len(s.apps)
			s.apps = append(s.apps, st.Key.Appliance)
			s.queues = append(s.queues, &readyHeap{s: s})
			s.busy = append(s.busy, 0)
		}
		s.appOf[i] = a
	}
	order, err := s.topo()
	if err != nil {
		return nil, err
	}
	// Priority: the step's estimate plus the longest path of estimates after it.
	for k := len(order) - 1; k >= 0; k-- {
		i := order[k]
		var tail time.Duration
		for _, u := range s.users[i] {
			tail = max(tail, s.prio[u])
		}
		est := steps[i].Estimate
		if steps[i].Action == ActionNoop {
			est = 0
		}
		s.prio[i] = est + tail
	}
	for i := range steps {
		if s.waiting[i] == 0 {
			s.makeReady(i)
		}
	}
	return s, nil
}

// topo returns the steps in a topological order, or a cycle error.
func (s *Scheduler) topo() ([]int, error) {
	n := len(s.steps)
	indeg := slices.Clone(s.waiting)
	var order []int
	for i := range n {
		if indeg[i] == 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		for _, u := range s.users[order[k]] {
			if indeg[u]--; indeg[u] == 0 {
				order = append(order, u)
			}
		}
	}
	if len(order) != n {
		var ids []string
		for i := range n {
			if indeg[i] > 0 {
				ids = append(ids, s.steps[i].ID)
			}
		}
		return nil, fmt.Errorf("scheduler: dependency cycle among %s", strings.Join(ids, ", "))
	}
	return order, nil
}

func (s *Scheduler) less(a, b int) bool {
	if s.prio[a] != s.prio[b] {
		return s.prio[a] > s.prio[b]
	}
	return s.steps[a].ID < s.steps[b].ID
}

func (s *Scheduler) makeReady(i int) {
	s.state[i] = StateReady
	if s.steps[i].Action == ActionNoop {
		at, _ := slices.BinarySearchFunc(s.noops, i, func(a, b int) int {
			switch {
			case a == b:
				return 0
			case s.less(a, b):
				return -1
			}
			return 1
		})
		s.noops = slices.Insert(s.noops, at, i)
		return
	}
	heap.Push(s.queues[s.appOf[i]], i)
}

// Next returns the steps to start now and marks them running. No-op steps
// among them are already recorded as done (they take no slot and need no
// call to Done); the caller completes them without running anything. Next
// returns nothing once the scheduler is stopped.
func (s *Scheduler) Next() []int {
	if s.stopped {
		return nil
	}
	var out []int
	for {
		// No-ops first: completing one may make higher-priority steps ready.
		for len(s.noops) > 0 {
			i := s.noops[0]
			s.noops = s.noops[1:]
			out = append(out, i)
			s.state[i] = StateDone
			s.release(i)
		}
		if s.running >= s.limits.MaxParallel() {
			return out
		}
		best := -1
		for a, q := range s.queues {
			if q.Len() == 0 || s.busy[a] >= s.limits.Limit(s.apps[a]) {
				continue
			}
			if best < 0 || s.less(q.idx[0], best) {
				best = q.idx[0]
			}
		}
		if best < 0 {
			return out
		}
		heap.Pop(s.queues[s.appOf[best]])
		s.state[best] = StateRunning
		s.busy[s.appOf[best]]++
		s.running++
		out = append(out, best)
	}
}

// release makes the dependents of the done step i ready when it was their
// last unfinished dependency.
func (s *Scheduler) release(i int) {
	for _, u := range s.users[i] {
		if s.waiting[u]--; s.waiting[u] == 0 && s.state[u] == StatePending {
			s.makeReady(u)
		}
	}
}

func (s *Scheduler) finishRunning(i int, st StepState) error {
	if s.state[i] != StateRunning {
		return fmt.Errorf("scheduler: step %s is %s, not running", s.steps[i].ID, s.state[i])
	}
	s.state[i] = st
	s.running--
	s.busy[s.appOf[i]]--
	return nil
}

// Done records that the running step i succeeded; its dependents whose
// dependencies are all done become ready.
func (s *Scheduler) Done(i int) error {
	if err := s.finishRunning(i, StateDone); err != nil {
		return err
	}
	s.release(i)
	return nil
}

// Failed records that the running step i failed and skips its transitive
// dependents, returned in breadth-first order. With failFast the scheduler
// stops.
func (s *Scheduler) Failed(i int) ([]Skip, error) {
	if err := s.finishRunning(i, StateFailed); err != nil {
		return nil, err
	}
	if s.failFast {
		s.stopped = true
	}
	var skips []Skip
	work := []int{i}
	for len(work) > 0 {
		j := work[0]
		work = work[1:]
		for _, u := range s.users[j] {
			if s.state[u].Final() {
				continue
			}
			s.state[u] = StateSkipped
			skips = append(skips, Skip{Step: u, Failed: i, Via: j})
			work = append(work, u)
		}
	}
	return skips, nil
}

// Cancelled records that the running step i was stopped by a cancellation;
// its dependents are left as they are (see [Scheduler.Stop]).
func (s *Scheduler) Cancelled(i int) error { return s.finishRunning(i, StateCancelled) }

// Stop ends dispatching: Next returns nothing from now on. Running steps
// still report through Done, Failed or Cancelled.
func (s *Scheduler) Stop() { s.stopped = true }

// Stopped reports whether dispatching has ended (Stop, or a failure with
// failFast).
func (s *Scheduler) Stopped() bool { return s.stopped }

// Running is the number of steps handed out and not yet reported.
func (s *Scheduler) Running() int { return s.running }

// Busy is the number of running steps on appliance.
func (s *Scheduler) Busy(appliance string) int {
	if a := slices.Index(s.apps, appliance); a >= 0 {
		return s.busy[a]
	}
	return 0
}

// State returns the state of step i.
func (s *Scheduler) State(i int) StepState { return s.state[i] }

// Deps returns the indexes of the steps step i depends on, sorted.
func (s *Scheduler) Deps(i int) []int { return slices.Clone(s.deps[i]) }

// Priority returns the longest path of estimates from step i to the end of
// the plan, the step's own estimate included (zero for no-ops).
func (s *Scheduler) Priority(i int) time.Duration { return s.prio[i] }

// Finished reports whether nothing runs and nothing more will be
// dispatched: every step has an outcome, or the scheduler is stopped and its
// running steps have reported. Steps without an outcome then never ran.
func (s *Scheduler) Finished() bool {
	if s.running > 0 {
		return false
	}
	if s.stopped {
		return true
	}
	if len(s.noops) > 0 {
		return false
	}
	for _, q := range s.queues {
		if q.Len() > 0 {
			return false
		}
	}
	return true
}

// readyHeap orders the ready steps of one appliance by the scheduler's
// priority.
type readyHeap struct {
	s   *Scheduler
	idx []int
}

func (h *readyHeap) Len() int           { return len(h.idx) }
func (h *readyHeap) Less(i, j int) bool { return h.s.less(h.idx[i], h.idx[j]) }
func (h *readyHeap) Swap(i, j int)      { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *readyHeap) Push(x any)         { h.idx = append(h.idx, x.(int)) }
func (h *readyHeap) Pop() any {
	n := len(h.idx) - 1
	x := h.idx[n]
	h.idx = h.idx[:n]
	return x
}

package truenas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/lenient"
)

// JobState is the state of a middleware job.
type JobState string

// Job states: WAITING → RUNNING → SUCCESS | FAILED | ABORTED.
const (
	JobWaiting JobState = "WAITING"
	JobRunning JobState = "RUNNING"
	JobSuccess JobState = "SUCCESS"
	JobFailed  JobState = "FAILED"
	JobAborted JobState = "ABORTED"
)

// Terminal reports whether the job has finished.
func (s JobState) Terminal() bool { return s == JobSuccess || s == JobFailed || s == JobAborted }

func (s JobState) rank() int {
	switch s {
	case JobWaiting:
		return 1
	case JobRunning:
		return 2
	case JobSuccess, JobFailed, JobAborted:
		return 3
	}
	return 0
}

// JobProgress is a job's progress report.
type JobProgress struct {
	Percent     float64         `json:"percent"`
	Description string          `json:"description"`
	Extra       json.RawMessage `json:"extra,omitempty"`
}

// ExcInfo describes why a job failed. Type "VALIDATION" carries [attr, msg, errno] triples in
// Extra.
type ExcInfo struct {
	Repr  string          `json:"repr"`
	Type  string          `json:"type"`
	Errno int             `json:"errno"`
	Extra json.RawMessage `json:"extra,omitempty"`
}

// Job is a middleware job as returned by core.get_jobs.
type Job struct {
	ID           int64             `json:"id"`
	MessageIDs   []json.RawMessage `json:"message_ids,omitempty"`
	Method       string            `json:"method"`
	Arguments    json.RawMessage   `json:"arguments,omitempty"`
	Description  string            `json:"description"`
	Abortable    bool              `json:"abortable"`
	LogsPath     string            `json:"logs_path"`
	LogsExcerpt  string            `json:"logs_excerpt"`
	Progress     JobProgress       `json:"progress"`
	Result       json.RawMessage   `json:"result,omitempty"`
	Error        string            `json:"error"`
	Exception    string            `json:"exception"`
	ExcInfo      *ExcInfo          `json:"exc_info"`
	State        JobState          `json:"state"`
	TimeStarted  *Time             `json:"time_started"`
	TimeFinished *Time             `json:"time_finished"`
}

// JobError reports a job that ended FAILED or ABORTED. It matches sitekit.ErrInvalid for
// validation failures and the sentinel of its errno otherwise.
type JobError struct {
	Job        Job
	Validation []ValidationError
	kind       error
}

// Error implements error.
func (e *JobError) Error() string {
	msg := strings.TrimSpace(e.Job.Error)
	if msg == "" {
		msg = strings.ToLower(string(e.Job.State))
	}
	return fmt.Sprintf("truenas: job %d (%s) %s: %s", e.Job.ID, e.Job.Method, e.Job.State, msg)
}

// Is matches the sentinel derived from the job's failure.
func (e *JobError) Is(target error) bool { return e.kind != nil && target == e.kind }

func newJobError(j Job) *JobError {
	e := &JobError{Job: j}
	if j.ExcInfo != nil {
		if j.ExcInfo.Type == "VALIDATION" {
			_ = json.Unmarshal(j.ExcInfo.Extra, &e.Validation)
			e.kind = sitekit.ErrInvalid
			return e
		}
		ae := &APIError{Code: CodeMethodCallError, Errno: j.ExcInfo.Errno, Reason: j.Error}
		e.kind = classify(ae)
	}
	return e
}

// JobsService reads, waits for and aborts jobs.
type JobsService struct{ c *Client }

// Get returns one job by id (with its raw result).
func (s *JobsService) Get(ctx context.Context, id int64) (Job, error) {
	var jobs []Job
	q := &ListOptions{Filters: []Filter{Eq("id", id)}, Extra: map[string]any{"raw_result": true}}
	if err := s.c.call(ctx, "core.get_jobs", q.params(false), &jobs, false); err != nil {
		return Job{}, err
	}
	if len(jobs) == 0 {
		return Job{}, &APIError{Code: CodeMethodCallError, ErrName: "ENOENT", Errno: ENOENT,
			Reason: fmt.Sprintf("[ENOENT] job %d does not exist", id), Method: "core.get_jobs", Kind: sitekit.ErrNotFound}
	}
	return jobs[0], nil
}

// List returns the jobs selected by opts (nil: all of them).
func (s *JobsService) List(ctx context.Context, opts *ListOptions) ([]Job, error) {
	return query[Job](ctx, s.c, "core.get_jobs", opts)
}

// All iterates over the jobs selected by opts, 100 per call; an error ends the sequence.
func (s *JobsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Job, error] {
	return pages[Job](ctx, s.c, "core.get_jobs", opts, 100)
}

// Abort asks the middleware to abort a job (only abortable jobs stop).
func (s *JobsService) Abort(ctx context.Context, id int64) error {
	return s.c.call(ctx, "core.job_abort", []any{id}, nil, true)
}

// Wait waits until job id finishes, calling progress (if not nil) each time its state or
// progress changes. It listens to core.get_jobs collection_update events and polls
// core.get_jobs as a fallback. A FAILED or ABORTED job returns the job and a *JobError.
func (s *JobsService) Wait(ctx context.Context, id int64, progress func(Job)) (Job, error) {
	w := s.c.jobs
	if err := w.ensureSubscribed(ctx, s.c); err != nil {
		return Job{}, err
	}
	wt := w.add(id)
	defer w.remove(id, wt)
	var last Job
	report := func(j Job) {
		if progress != nil && (j.State != last.State || j.Progress.Percent != last.Progress.Percent || j.Progress.Description != last.Progress.Description) {
			progress(j)
		}
		last = j
	}
	poll := func() error {
		j, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		wt.merge(j)
		return nil
	}
	if err := poll(); err != nil {
		return Job{}, err
	}
	ticker := time.NewTicker(s.c.poll)
	defer ticker.Stop()
	for {
		j := wt.current()
		report(j)
		if j.State.Terminal() {
			if j.State != JobSuccess {
				return j, newJobError(j)
			}
			return j, nil
		}
		select {
		case <-wt.sig:
		case <-ticker.C:
			if err := poll(); err != nil {
				return j, err
			}
		case <-ctx.Done():
			return j, ctx.Err()
		}
	}
}

// runJob calls a job method and waits for the job, reporting progress, then decodes the job's
// result into result (if not nil). With new-style jobs the call itself is answered when the
// job ends; otherwise its answer is the job id and the job is awaited.
func (c *Client) runJob(ctx context.Context, method string, params []any, progress func(Job), result any) (Job, error) {
	if err := c.jobs.ensureSubscribed(ctx, c); err != nil {
		return Job{}, err
	}
	if c.newStyle.Load() {
		return c.runJobNewStyle(ctx, method, params, progress, result)
	}
	var id lenient.Int
	if err := c.call(ctx, method, params, &id, true); err != nil {
		return Job{}, err
	}
	if id <= 0 {
		return Job{}, fmt.Errorf("truenas: %s: the answer is not a job id", method)
	}
	j, err := c.Jobs.Wait(ctx, int64(id), progress)
	if err != nil {
		return j, err
	}
	if result != nil && len(j.Result) > 0 {
		if err := json.Unmarshal(j.Result, result); err != nil {
			return j, fmt.Errorf("truenas: %s: decode job result: %w", method, err)
		}
	}
	return j, nil
}

// runJobNewStyle runs a job method whose answer comes when the job ends. The job's id is
// learned from the core.get_jobs events naming the call's request id in message_ids, which
// also report progress; if the connection drops meanwhile, the job is awaited by id.
func (c *Client) runJobNewStyle(ctx context.Context, method string, params []any, progress func(Job), result any) (Job, error) {
	tr := c.jobs.track()
	defer c.jobs.untrack(tr)
	reported := make(chan struct{})
	stop := make(chan struct{})
	var last Job // the last job reported; read after reported is closed
	report := func(j Job) {
		if progress != nil && j.ID != 0 && (j.State != last.State || j.Progress.Percent != last.Progress.Percent || j.Progress.Description != last.Progress.Description) {
			progress(j)
			last = j
		}
	}
	go func() { // progress reports, from one goroutine, ended before returning
		defer close(reported)
		for {
			select {
			case <-tr.wt.sig:
				report(tr.wt.current())
			case <-stop:
				return
			}
		}
	}()
	var raw json.RawMessage
	err := c.call(jsonrpc.WithCallID(withoutCallTimeout(ctx), tr.addRequest), method, params, &raw, true)
	close(stop)
	<-reported
	id := tr.jobID()
	switch {
	case err == nil:
		j := tr.wt.current()
		if !j.State.Terminal() && id != 0 {
			// The answer overtook the job's last event: read the finished record.
			if got, gerr := c.Jobs.Get(ctx, id); gerr == nil {
				j = got
			}
		}
		if j.ID == 0 {
			j = Job{ID: id, Method: method}
		}
		j.State, j.Result, j.Progress.Percent = JobSuccess, raw, 100
		report(j)
		if result != nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, result); err != nil {
				return j, fmt.Errorf("truenas: %s: decode job result: %w", method, err)
			}
		}
		return j, nil
	case ctx.Err() != nil:
		return Job{}, err
	case id == 0:
		// The events naming the call may not have been handled yet: ask for the job
		// started by the call's request.
		id = c.jobByRequest(ctx, method, tr)
		if id == 0 {
			return Job{}, err
		}
	}
	var ae *APIError
	if errors.As(err, &ae) {
		// The job failed: its record says how.
		if j, gerr := c.Jobs.Get(ctx, id); gerr == nil && j.State.Terminal() && j.State != JobSuccess {
			report(j)
			return j, newJobError(j)
		}
		return Job{ID: id, Method: method}, err
	}
	// The answer was lost with the connection: the job runs on; wait for it by id.
	j, err := c.Jobs.Wait(ctx, id, progress)
	if err == nil && result != nil && len(j.Result) > 0 {
		err = json.Unmarshal(j.Result, result)
	}
	return j, err
}

// jobByRequest returns the id of the job of method started by one of the tracker's requests
// (core.get_jobs filtered on message_ids), 0 if none.
func (c *Client) jobByRequest(ctx context.Context, method string, tr *tracker) int64 {
	tr.mu.Lock()
	reqs := slices.Clone(tr.reqs)
	tr.mu.Unlock()
	for _, r := range reqs {
		jobs, err := c.Jobs.List(ctx, Where(Eq("method", method), F("message_ids", "rin", json.RawMessage(r))))
		if err == nil && len(jobs) > 0 {
			return jobs[0].ID
		}
	}
	return 0
}

type noTimeoutKey struct{}

// withoutCallTimeout marks a call that may last as long as a job: sitekit.WithTimeout does
// not bound it (ctx does).
func withoutCallTimeout(ctx context.Context) context.Context {
	return context.WithValue(ctx, noTimeoutKey{}, true)
}

// tracker follows the job started by one new-style call.
type tracker struct {
	mu   sync.Mutex
	reqs []string // request ids of the call's attempts
	id   int64
	wt   *waiter
}

func (t *tracker) addRequest(id string) {
	t.mu.Lock()
	t.reqs = append(t.reqs, id)
	t.mu.Unlock()
}

func (t *tracker) jobID() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.id
}

// claims reports whether the job started by request ids is the tracker's, recording its id.
func (t *tracker) claims(jobID int64, ids []json.RawMessage) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.id != 0 {
		return t.id == jobID
	}
	for _, raw := range ids {
		s := strings.Trim(string(raw), `"`)
		if slices.Contains(t.reqs, s) {
			t.id = jobID
			return true
		}
	}
	return false
}

func (w *jobWatch) track() *tracker {
	t := &tracker{wt: &waiter{sig: make(chan struct{}, 1)}}
	w.mu.Lock()
	w.trackers = append(w.trackers, t)
	w.mu.Unlock()
	return t
}

func (w *jobWatch) untrack(t *tracker) {
	w.mu.Lock()
	w.trackers = slices.DeleteFunc(w.trackers, func(x *tracker) bool { return x == t })
	w.mu.Unlock()
}

// jobWatch routes core.get_jobs collection_update events to waiters.
type jobWatch struct {
	mu         sync.Mutex
	want       bool
	subscribed bool
	waiters    map[int64][]*waiter
	trackers   []*tracker
}

type waiter struct {
	mu     sync.Mutex
	job    Job
	have   bool
	sig    chan struct{}
	merged int
}

func newJobWatch() *jobWatch { return &jobWatch{waiters: map[int64][]*waiter{}} }

func (w *jobWatch) wanted() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subscribed = false // a new connection starts without subscriptions
	return w.want
}

// subscribe runs from the OnConnect hook.
func (w *jobWatch) subscribe(ctx context.Context, c *Client, conn *jsonrpc.Conn) error {
	var uuid string
	if err := c.rawCall(ctx, conn, "core.subscribe", []any{"core.get_jobs"}, &uuid); err != nil {
		return err
	}
	w.mu.Lock()
	w.subscribed = true
	w.mu.Unlock()
	return nil
}

func (w *jobWatch) ensureSubscribed(ctx context.Context, c *Client) error {
	w.mu.Lock()
	w.want = true
	done := w.subscribed
	w.mu.Unlock()
	if done {
		return nil
	}
	if err := c.Connect(ctx); err != nil { // a fresh connection subscribes in its hook
		return err
	}
	w.mu.Lock()
	done = w.subscribed
	w.mu.Unlock()
	if done {
		return nil
	}
	var uuid string
	if err := c.call(ctx, "core.subscribe", []any{"core.get_jobs"}, &uuid, false); err != nil {
		return err
	}
	w.mu.Lock()
	w.subscribed = true
	w.mu.Unlock()
	return nil
}

func (w *jobWatch) add(id int64) *waiter {
	wt := &waiter{sig: make(chan struct{}, 1)}
	w.mu.Lock()
	w.waiters[id] = append(w.waiters[id], wt)
	w.mu.Unlock()
	return wt
}

func (w *jobWatch) remove(id int64, wt *waiter) {
	w.mu.Lock()
	defer w.mu.Unlock()
	list := w.waiters[id]
	for i, x := range list {
		if x == wt {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(w.waiters, id)
	} else {
		w.waiters[id] = list
	}
}

// notify is the connection's notification handler.
func (w *jobWatch) notify(method string, params json.RawMessage) {
	if method != "collection_update" {
		return
	}
	var ev struct {
		Msg        string          `json:"msg"`
		Collection string          `json:"collection"`
		ID         lenient.Int     `json:"id"`
		Fields     json.RawMessage `json:"fields"`
	}
	if json.Unmarshal(params, &ev) != nil || ev.Collection != "core.get_jobs" || len(ev.Fields) == 0 {
		return
	}
	var j Job
	if json.Unmarshal(ev.Fields, &j) != nil {
		return
	}
	if j.ID == 0 {
		j.ID = int64(ev.ID)
	}
	w.mu.Lock()
	list := append([]*waiter(nil), w.waiters[j.ID]...)
	for _, t := range w.trackers {
		if t.claims(j.ID, j.MessageIDs) {
			list = append(list, t.wt)
		}
	}
	w.mu.Unlock()
	for _, wt := range list {
		wt.merge(j)
	}
}

// merge keeps the most advanced view of the job (events and polls may cross).
func (wt *waiter) merge(j Job) {
	wt.mu.Lock()
	if !wt.have || j.State.rank() > wt.job.State.rank() ||
		j.State.rank() == wt.job.State.rank() && !j.State.Terminal() && j.Progress.Percent >= wt.job.Progress.Percent {
		wt.job, wt.have = j, true
		wt.merged++
	}
	wt.mu.Unlock()
	select {
	case wt.sig <- struct{}{}:
	default:
	}
}

func (wt *waiter) current() Job {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	return wt.job
}

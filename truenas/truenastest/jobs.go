package truenastest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

// job is a middleware job.
type job struct {
	id        int64
	method    string
	args      []any
	state     string
	percent   float64
	desc      string
	result    any
	errText   string
	excInfo   map[string]any
	started   time.Time
	finished  time.Time
	elapsed   time.Duration
	abortable bool
	// messageIDs are the ids of the requests that started the job.
	messageIDs []any
	// err is the failure as a JSON-RPC error, answered to a new-style caller.
	err *jsonrpc.Error
	// done is closed when the job reaches a terminal state.
	done chan struct{}
	// finish applies the job's effect when it completes (under the state lock).
	finish func() (any, error)
}

// end marks the job terminal (under the state lock).
func (j *job) end(state string, err *jsonrpc.Error) {
	j.state, j.err = state, err
	close(j.done)
}

func (j *job) row() map[string]any {
	var fin any
	if !j.finished.IsZero() {
		fin = ejDate(j.finished)
	}
	var exc any
	if j.excInfo != nil {
		exc = j.excInfo
	}
	var errText, exception any
	if j.errText != "" {
		errText = j.errText
		exception = "Traceback (most recent call last):\n" + j.errText
	}
	args := j.args
	if args == nil {
		args = []any{}
	}
	ids := j.messageIDs
	if ids == nil {
		ids = []any{}
	}
	return map[string]any{
		"id": j.id, "message_ids": ids, "method": j.method, "arguments": args, "transient": false,
		"description": nil, "abortable": j.abortable, "logs_path": fmt.Sprintf("/var/log/jobs/%d.log", j.id),
		"logs_excerpt": nil, "progress": map[string]any{"percent": j.percent, "description": j.desc, "extra": nil},
		"result": j.result, "result_encoding_error": nil, "error": errText, "exception": exception,
		"exc_info": exc, "state": j.state, "time_started": ejDate(j.started), "time_finished": fin,
		"credentials": map[string]any{"type": "API_KEY", "data": map[string]any{}},
	}
}

func ejDate(t time.Time) map[string]any { return map[string]any{"$date": t.UnixMilli()} }

// startJob creates a job (under s.mu) and returns its id; finish runs when it completes.
func (c *call) startJob(args []any, abortable bool, finish func() (any, error)) int64 {
	st := c.s.st
	st.nextJob++
	j := &job{id: st.nextJob, method: c.method, args: args, state: "RUNNING", started: st.now(),
		abortable: abortable, finish: finish, desc: "Starting", done: make(chan struct{})}
	if len(c.reqID) > 0 {
		var id any
		_ = json.Unmarshal(c.reqID, &id)
		j.messageIDs = []any{id}
	}
	c.job = j
	st.jobs[j.id] = j
	st.jobOrder = append(st.jobOrder, j.id)
	c.events = append(c.events, event{collection: "core.get_jobs", msg: "added", id: j.id, fields: j.row()})
	if c.s.cfg.jobDuration <= 0 {
		c.events = append(c.events, c.s.completeJob(j)...)
	}
	c.s.wakeJobs()
	return j.id
}

// completeJob runs the job's effect and marks it SUCCESS or FAILED (under s.mu).
func (s *Server) completeJob(j *job) []event {
	var res any
	var err error
	if f := s.st.failNext[j.method]; f != "" {
		delete(s.st.failNext, j.method)
		err = callError(14, f)
	} else if j.finish != nil {
		res, err = j.finish()
	}
	j.finished = s.st.now()
	if err != nil {
		j.errText, j.excInfo = jobFailure(err)
		je, ok := err.(*jsonrpc.Error)
		if !ok {
			je = callError(14, err.Error())
		}
		j.end("FAILED", je)
	} else {
		j.result, j.percent, j.desc = res, 100, "Done"
		j.end("SUCCESS", nil)
	}
	return []event{{collection: "core.get_jobs", msg: "changed", id: j.id, fields: j.row()}}
}

func jobFailure(err error) (string, map[string]any) {
	e, ok := err.(*jsonrpc.Error)
	if !ok {
		return "[EFAULT] " + err.Error(), map[string]any{"repr": err.Error(), "type": "CallError", "errno": 14, "extra": nil}
	}
	var d errorData
	_ = jsonUnmarshal(e.Data, &d)
	if e.Code == -32602 {
		var extra any
		_ = jsonUnmarshal(d.Extra, &extra)
		return d.Reason, map[string]any{"repr": "ValidationErrors()", "type": "VALIDATION", "errno": 22, "extra": extra}
	}
	return d.Reason, map[string]any{"repr": fmt.Sprintf("CallError(%q)", d.Reason), "type": "CallError", "errno": d.Error, "extra": nil}
}

// AdvanceJobs moves the simulated clock forward by d (0 is allowed): queued periodic
// snapshot runs take their snapshots, running jobs progress and those whose duration has
// elapsed finish. It publishes the resulting collection_update events.
func (s *Server) AdvanceJobs(d time.Duration) {
	s.mu.Lock()
	s.st.clock = s.st.clock.Add(d)
	s.st.runQueued()
	var evs []event
	for _, id := range s.st.jobOrder {
		j := s.st.jobs[id]
		if j.state != "RUNNING" {
			continue
		}
		j.elapsed += d
		if j.elapsed >= s.cfg.jobDuration {
			evs = append(evs, s.completeJob(j)...)
			continue
		}
		j.percent = float64(int(float64(j.elapsed) / float64(s.cfg.jobDuration) * 100))
		j.desc = fmt.Sprintf("%s: %d%%", j.method, int(j.percent))
		evs = append(evs, event{collection: "core.get_jobs", msg: "changed", id: j.id, fields: j.row()})
	}
	s.wakeJobs()
	s.mu.Unlock()
	s.publish(context.Background(), evs)
}

// FailNextJob makes the next job of method fail with a CallError carrying msg.
func (s *Server) FailNextJob(method, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.failNext[method] = msg
}

// wakeJobs signals AwaitJob callers (under s.mu).
func (s *Server) wakeJobs() {
	close(s.jobWake)
	s.jobWake = make(chan struct{})
}

// AwaitJob blocks until a job of method is running (or ctx ends) and returns its id. Tests use
// it to know when to call AdvanceJobs.
func (s *Server) AwaitJob(ctx context.Context, method string) (int64, error) {
	for {
		s.mu.Lock()
		for _, id := range s.st.jobOrder {
			if j := s.st.jobs[id]; j.method == method && j.state == "RUNNING" {
				s.mu.Unlock()
				return id, nil
			}
		}
		wake := s.jobWake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// JobState returns the state of job id ("" if unknown) and its progress percent.
func (s *Server) JobState(id int64) (string, float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.st.jobs[id]; ok {
		return j.state, j.percent
	}
	return "", 0
}

func init() {
	register("core.get_jobs", method{fn: func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		rows := make([]map[string]any, 0, len(c.s.st.jobOrder))
		for _, id := range c.s.st.jobOrder {
			rows = append(rows, toRow(c.s.st.jobs[id].row()))
		}
		return runQuery(rows, c.params)
	}})
	register("core.job_abort", method{fn: func(c *call) (any, error) {
		var id int64
		if err := c.arg(0, &id); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		j, ok := c.s.st.jobs[id]
		if !ok {
			return nil, callError(2, fmt.Sprintf("Job %d does not exist", id))
		}
		if j.state == "RUNNING" || j.state == "WAITING" {
			if !j.abortable {
				return nil, callError(22, "Job is not abortable")
			}
			j.finished, j.errText = c.s.st.now(), "[EINTR] Job aborted"
			j.excInfo = map[string]any{"repr": "JobAborted()", "type": "JobAborted", "errno": 4, "extra": nil}
			j.end("ABORTED", callError(4, "Job aborted"))
			c.events = append(c.events, event{collection: "core.get_jobs", msg: "changed", id: j.id, fields: j.row()})
			c.s.wakeJobs()
		}
		return nil, nil
	}})
	// core.set_options (core_service.py at TS-25.10.6): callable before sign-in; legacy_jobs
	// is honoured on endpoints from v25.10.0, which answer the options in effect; older
	// endpoints ignore it and answer null (CoreSetOptionsResult.to_previous).
	register("core.set_options", method{fn: func(c *call) (any, error) {
		var opts map[string]any
		if err := c.arg(0, &opts); err != nil || opts == nil {
			return nil, badParams("options", "Input should be a valid dictionary")
		}
		recent := truenasCompare(c.ss.version, "v25.10.0") >= 0
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		for k, dst := range map[string]*bool{"legacy_jobs": &c.ss.legacyJobs, "private_methods": &c.ss.privateMethods, "py_exceptions": &c.ss.pyExceptions} {
			v, ok := opts[k]
			if !ok || k != "py_exceptions" && !recent {
				continue
			}
			b, isBool := v.(bool)
			if !isBool {
				return nil, badParams("options."+k, "Input should be a valid boolean")
			}
			*dst = b
		}
		if !recent {
			return nil, nil
		}
		return map[string]any{"legacy_jobs": c.ss.legacyJobs, "private_methods": c.ss.privateMethods, "py_exceptions": c.ss.pyExceptions}, nil
	}})
	register("core.subscribe", method{fn: func(c *call) (any, error) {
		var name string
		if err := c.arg(0, &name); err != nil || name == "" {
			return nil, badParams("name", "Field required")
		}
		c.s.mu.Lock()
		h := c.s.st.hex(16)
		uuid := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		c.ss.subs[uuid] = name
		c.s.mu.Unlock()
		return uuid, nil
	}})
	register("core.unsubscribe", method{fn: func(c *call) (any, error) {
		var id string
		_ = c.arg(0, &id)
		c.s.mu.Lock()
		name, ok := c.ss.subs[id]
		delete(c.ss.subs, id)
		c.s.mu.Unlock()
		if ok {
			_ = c.p.Notify(context.Background(), "notify_unsubscribed", map[string]any{"collection": name, "error": nil})
		}
		return nil, nil
	}})
}

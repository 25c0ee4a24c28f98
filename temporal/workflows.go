package temporal

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/sitekit/sitekit/blueprint/engine"
)

// schedulerVersion is recorded in every site run (workflow.GetVersion "sitekit-scheduler").
// Bump it, keeping the old branch, when a change alters the order of the commands a run
// issues (the scheduler's choices, the activities called): runs started before keep
// replaying the old branch. The replay test of the recorded histories fails when a change
// forgets to.
const schedulerVersion = 1

// acts is used only for its method values: workflows call activities by name.
var acts *Activities

func (t Timeouts) withDefaults() Timeouts {
	if t.Plan <= 0 {
		t.Plan = 10 * time.Minute
	}
	if t.Step <= 0 {
		t.Step = 30 * time.Minute
	}
	if t.Heartbeat <= 0 {
		t.Heartbeat = time.Minute
	}
	if t.Attempts <= 0 {
		t.Attempts = 5
	}
	if t.Backoff <= 0 {
		t.Backoff = time.Second
	}
	return t
}

func (t Timeouts) retry() *sdktemporal.RetryPolicy {
	return &sdktemporal.RetryPolicy{InitialInterval: t.Backoff, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		MaximumAttempts: int32(t.Attempts), NonRetryableErrorTypes: []string{ErrTypePermanent}}
}

// ApplySite plans a site, optionally waits for the approval of that plan, then converges
// it step by step: the steps are dispatched by [engine.Scheduler] (the scheduler of the
// in-process apply) and each runs as a converge activity on the task queue of its
// appliance. The result is data even when steps failed; the workflow fails only when
// planning fails or the run is cancelled. Start it with [SiteWorkflowID] as workflow ID
// so that one site has at most one apply or destroy running.
func ApplySite(ctx workflow.Context, req ApplyRequest) (*SiteResult, error) {
	r := newSiteRun(ctx, req.Spec, req.Timeouts)
	return r.run(ctx, false, req.Approval, req.FailFast, true)
}

// DestroySite plans the deletion of every object of the site carrying its marker, waits
// for approval when asked, and deletes them in reverse dependency order, like ApplySite.
func DestroySite(ctx workflow.Context, req ApplyRequest) (*SiteResult, error) {
	r := newSiteRun(ctx, req.Spec, req.Timeouts)
	return r.run(ctx, true, req.Approval, req.FailFast, true)
}

// DriftSite plans a site without writing: an empty plan ends [StatusConverged], a
// non-empty one [StatusDrift] with the plan in the result. With an approval request, a
// drift waits for the approval of its plan and is then applied. Each resource is observed
// through one list call per collection and never re-observed.
func DriftSite(ctx workflow.Context, req DriftRequest) (*SiteResult, error) {
	r := newSiteRun(ctx, req.Spec, req.Timeouts)
	return r.run(ctx, false, req.Approval, false, req.Approval != nil)
}

// AuditBackups checks a site's backups live (the daily backup audit of [EnsureSchedules]).
func AuditBackups(ctx workflow.Context, spec SiteSpec) (*BackupAudit, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy: Timeouts{}.withDefaults().retry()})
	var audit BackupAudit
	if err := workflow.ExecuteActivity(ctx, acts.AuditSiteBackups, spec).Get(ctx, &audit); err != nil {
		return nil, err
	}
	return &audit, nil
}

type siteRun struct {
	spec   SiteSpec
	to     Timeouts
	status Status
	plan   *PlanSummary
	res    *SiteResult
}

func newSiteRun(ctx workflow.Context, spec SiteSpec, to Timeouts) *siteRun {
	r := &siteRun{spec: spec, to: to.withDefaults(), status: StatusPlanning, res: &SiteResult{Site: spec.Name()}}
	// Query handlers only read; registering them cannot fail with these arguments.
	_ = workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return r.status, nil })
	_ = workflow.SetQueryHandler(ctx, QueryPlan, func() (*PlanSummary, error) { return r.plan, nil })
	return r
}

func (r *siteRun) run(ctx workflow.Context, destroy bool, approval *Approval, failFast, apply bool) (*SiteResult, error) {
	log := workflow.GetLogger(ctx)
	workflow.GetVersion(ctx, "sitekit-scheduler", workflow.DefaultVersion, schedulerVersion)

	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: r.to.Plan, RetryPolicy: r.to.retry()})
	var plan PlanSummary
	if err := workflow.ExecuteActivity(pctx, acts.PlanSite, PlanRequest{Spec: r.spec, Destroy: destroy}).Get(ctx, &plan); err != nil {
		return nil, err
	}
	r.plan = &plan
	r.res.Plan, r.res.Reads = &plan, plan.Reads
	if plan.Empty() {
		r.status = StatusConverged
		return r.finish(), nil
	}
	if !apply {
		log.Info("drift", "site", r.spec.Name(), "changes", plan.Changes, "digest", plan.Digest)
		r.status = StatusDrift
		return r.finish(), nil
	}
	if approval != nil {
		r.status = StatusAwaitingApproval
		st, err := r.awaitApproval(ctx, approval)
		if err != nil || st != "" {
			r.status = st
			return r.finish(), err
		}
	}
	r.status = StatusApplying
	if err := r.apply(ctx, destroy, failFast); err != nil {
		return nil, err
	}
	r.status = StatusApplied
	if r.res.Summary.Failed+r.res.Summary.Skipped+r.res.Summary.Cancelled > 0 {
		r.status = StatusFailed
	}
	return r.finish(), nil
}

func (r *siteRun) finish() *SiteResult {
	r.res.Status = r.status
	return r.res
}

// awaitApproval waits for a signal approving or rejecting this plan's digest, or the
// timeout. It returns "" when approved, the final status otherwise.
func (r *siteRun) awaitApproval(ctx workflow.Context, a *Approval) (Status, error) {
	ch := workflow.GetSignalChannel(ctx, SignalApproval)
	tctx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	var timer workflow.Future
	if a.Timeout > 0 {
		timer = workflow.NewTimer(tctx, a.Timeout)
	}
	for {
		var sig ApprovalSignal
		got, timedOut := false, false
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &sig); got = true })
		if timer != nil {
			sel.AddFuture(timer, func(workflow.Future) { timedOut = true })
		}
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		sel.Select(ctx)
		switch {
		case ctx.Err() != nil:
			return "", ctx.Err()
		case timedOut:
			return StatusApprovalTimedOut, nil
		case got && sig.Digest != r.plan.Digest:
			workflow.GetLogger(ctx).Warn("approval for another plan ignored", "site", r.spec.Name(),
				"got", sig.Digest, "want", r.plan.Digest, "by", sig.By)
		case got:
			r.res.Approval = &sig
			if !sig.Approved {
				return StatusRejected, nil
			}
			return "", nil
		}
	}
}

// apply runs the plan's steps, dispatched by the engine's scheduler.
func (r *siteRun) apply(ctx workflow.Context, destroy, failFast bool) error {
	plan := r.plan
	steps := make([]*engine.Step, len(plan.Steps))
	for i, ps := range plan.Steps {
		k, err := engine.ParseKey(ps.ID)
		if err != nil {
			return sdktemporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
		}
		steps[i] = &engine.Step{ID: ps.ID, Key: k, Action: ps.Action, Deps: ps.Deps, Estimate: ps.Estimate}
	}
	sch, err := engine.NewScheduler(steps, plan.Limits, failFast)
	if err != nil {
		return sdktemporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
	}
	res := make([]StepResult, len(steps))
	outputs := make([]engine.Outputs, len(steps))
	for i, s := range plan.Steps {
		res[i] = StepResult{ID: s.ID, Action: s.Action}
	}
	actx, cancelSteps := workflow.WithCancel(ctx)
	defer cancelSteps()
	var stopCause string
	sel := workflow.NewSelector(ctx)
	handle := func(i int, got engine.Converged, err error) {
		switch {
		case err == nil:
			_ = sch.Done(i) // i was handed out by Next
			outputs[i] = got.Outputs
			res[i].Outcome, res[i].Did, res[i].Outputs, res[i].Reads = engine.OutcomeDone, got.Action, got.Outputs, got.Reads
			r.res.StepReads += got.Reads
		case sdktemporal.IsCanceledError(err):
			_ = sch.Cancelled(i)
			res[i].Outcome, res[i].Error = engine.OutcomeCancelled, "cancelled"
		default:
			skips, _ := sch.Failed(i)
			res[i].Outcome, res[i].Error = engine.OutcomeFailed, stepError(err)
			for _, k := range skips {
				res[k.Step].Outcome, res[k.Step].Error = engine.OutcomeSkipped, k.Reason(steps).Error()
			}
			if sch.Stopped() && stopCause == "" {
				stopCause = "fail-fast: " + steps[i].ID + " failed"
				cancelSteps()
			}
		}
	}
	for {
		if ctx.Err() != nil && !sch.Stopped() {
			sch.Stop()
			stopCause = "cancelled"
		}
		for _, i := range sch.Next() {
			ps := plan.Steps[i]
			if ps.Action == engine.ActionNoop {
				outputs[i] = ps.Outputs
				res[i].Outcome, res[i].Did, res[i].Outputs = engine.OutcomeNoop, engine.ActionNoop, ps.Outputs
				continue
			}
			in := map[string]engine.Outputs{}
			for _, d := range sch.Deps(i) {
				in[steps[d].ID] = outputs[d]
			}
			opts := workflow.ActivityOptions{StartToCloseTimeout: r.to.Step, HeartbeatTimeout: r.to.Heartbeat,
				RetryPolicy: r.to.retry(), WaitForCancellation: true, TaskQueue: plan.Queues[steps[i].Key.Appliance],
				ActivityID: ps.ID}
			f := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, opts), acts.ConvergeStep,
				StepRequest{Spec: r.spec, Destroy: destroy, Key: ps.ID, Action: ps.Action, Inputs: in})
			sel.AddFuture(f, func(f workflow.Future) {
				var got engine.Converged
				err := f.Get(ctx, &got)
				handle(i, got, err)
			})
		}
		if sch.Finished() {
			break
		}
		sel.Select(ctx)
	}
	for i := range res {
		if res[i].Outcome == "" {
			cause := stopCause
			if cause == "" {
				cause = "never dispatched"
			}
			res[i].Outcome, res[i].Error = engine.OutcomeCancelled, cause
		}
	}
	r.res.Steps = res
	r.res.Summary = summarizeSteps(res)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// stepError is the message of the error that ended a step, without the activity's
// envelope.
func stepError(err error) string {
	var app *sdktemporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	var te *sdktemporal.TimeoutError
	if errors.As(err, &te) {
		return fmt.Sprintf("timeout (%s)", te.TimeoutType())
	}
	return err.Error()
}

func summarizeSteps(res []StepResult) engine.Summary {
	var s engine.Summary
	for _, r := range res {
		switch r.Outcome {
		case engine.OutcomeDone:
			s.Done++
		case engine.OutcomeNoop:
			s.Noop++
		case engine.OutcomeFailed:
			s.Failed++
		case engine.OutcomeSkipped:
			s.Skipped++
		case engine.OutcomeCancelled:
			s.Cancelled++
		}
	}
	return s
}

// DefaultFleetConcurrency is the number of site runs a fleet keeps in flight when its
// request does not say.
const DefaultFleetConcurrency = 10

// Fleet runs one child workflow per site ([ApplySite], or [DriftSite] for a drift-only
// fleet), at most MaxConcurrent at once, in request order. Each child's workflow ID is
// the site's ([SiteWorkflowID], [DriftWorkflowID]): a site whose run is already in flight
// elsewhere is reported busy, never run twice. Sites' outcomes are data; the fleet fails
// only when cancelled.
func Fleet(ctx workflow.Context, req FleetRequest) (*FleetResult, error) {
	limit := req.MaxConcurrent
	if limit < 1 {
		limit = DefaultFleetConcurrency
	}
	out := &FleetResult{Sites: make([]FleetSite, len(req.Sites))}
	sel := workflow.NewSelector(ctx)
	inflight, next := 0, 0
	for next < len(req.Sites) || inflight > 0 {
		for inflight < limit && next < len(req.Sites) && ctx.Err() == nil {
			i := next
			next++
			spec := req.Sites[i]
			out.Sites[i].Site = spec.Name()
			id, wf, arg := SiteWorkflowID(spec.Name()), any(ApplySite), any(ApplyRequest{Spec: spec, Approval: req.Approval, FailFast: req.FailFast, Timeouts: req.Timeouts})
			if req.DriftOnly {
				id, wf, arg = DriftWorkflowID(spec.Name()), any(DriftSite), any(DriftRequest{Spec: spec, Approval: req.Approval, Timeouts: req.Timeouts})
			}
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: id,
				WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
				ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL})
			f := workflow.ExecuteChildWorkflow(cctx, wf, arg)
			inflight++
			out.MaxInFlight = max(out.MaxInFlight, inflight)
			sel.AddFuture(f, func(f workflow.Future) {
				inflight--
				var res SiteResult
				if err := f.Get(ctx, &res); err != nil {
					out.Sites[i].Error = fleetError(err)
					return
				}
				out.Sites[i] = compact(res)
			})
		}
		if inflight == 0 {
			break // cancelled before starting the rest
		}
		sel.Select(ctx)
	}
	for i := range out.Sites {
		if out.Sites[i].Status == "" && out.Sites[i].Error == "" {
			out.Sites[i].Site, out.Sites[i].Error = req.Sites[i].Name(), "not started: fleet cancelled"
		}
	}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	return out, nil
}

func fleetError(err error) string {
	var started *sdktemporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &started) {
		return "busy: another run of this site is in flight"
	}
	var app *sdktemporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

func compact(r SiteResult) FleetSite {
	fs := FleetSite{Site: r.Site, Status: r.Status, Reads: r.Reads, StepReads: r.StepReads, Steps: r.Summary}
	if r.Plan != nil {
		fs.Digest, fs.Writes = r.Plan.Digest, r.Plan.Changes
	}
	for _, s := range r.Steps {
		if s.Outcome == engine.OutcomeFailed {
			fs.Failed = append(fs.Failed, s.ID+": "+s.Error)
		}
	}
	return fs
}

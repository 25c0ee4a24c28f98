package temporal

import (
	"time"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// SiteSpec is what a workflow history carries about a site: the site as data and its
// tier. It holds no secret: the site's credentials ([blueprint.Credentials]) are references
// ("env:NAME") that each worker resolves, and the appliance connections come from the
// worker's [Provider].
type SiteSpec struct {
	Site blueprint.Site `json:"site"`
	// Tier selects the preset; empty means [blueprint.TierStandard].
	Tier blueprint.Tier `json:"tier,omitempty"`
}

// Name is the site's name.
func (s SiteSpec) Name() string { return s.Site.Name }

// Blueprint validates the site and returns its blueprint for the tier.
func (s SiteSpec) Blueprint() (*blueprint.Blueprint, error) {
	tier := s.Tier
	if tier == "" {
		tier = blueprint.TierStandard
	}
	return blueprint.New(s.Site, tier)
}

// Approval makes an apply wait, after planning, for an [ApprovalSignal] carrying the
// digest of the plan it approves.
type Approval struct {
	// Timeout ends the wait: the run then returns [StatusApprovalTimedOut] without
	// writing. Zero waits for ever.
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// Timeouts tune the activities of a site run; zero fields take the defaults.
type Timeouts struct {
	// Plan bounds one attempt of the plan activity (default 10 minutes).
	Plan time.Duration `json:"plan_ns,omitempty"`
	// Step bounds one attempt of a converge activity (default 30 minutes: a VM create
	// waits for its boot).
	Step time.Duration `json:"step_ns,omitempty"`
	// Heartbeat is the heartbeat timeout of a converge activity (default 1 minute): a
	// worker silent that long is presumed dead and the step is retried elsewhere.
	Heartbeat time.Duration `json:"heartbeat_ns,omitempty"`
	// Attempts bounds the attempts of a step with retryable errors (default 5).
	Attempts int `json:"attempts,omitempty"`
	// Backoff is the first retry interval, doubled at each attempt up to a minute
	// (default 1 second). Fast retries of throttling stay in the clients.
	Backoff time.Duration `json:"backoff_ns,omitempty"`
}

// ApplyRequest is the input of [ApplySite] and [DestroySite].
type ApplyRequest struct {
	Spec SiteSpec `json:"spec"`
	// Timeouts of the activities.
	Timeouts Timeouts `json:"timeouts,omitzero"`
	// Approval, when set, waits for an approval of the plan before writing.
	Approval *Approval `json:"approval,omitempty"`
	// FailFast stops dispatching at the first failed step and cancels the running ones;
	// otherwise independent branches go on and only dependents are skipped.
	FailFast bool `json:"fail_fast,omitempty"`
}

// DriftRequest is the input of [DriftSite].
type DriftRequest struct {
	Spec     SiteSpec `json:"spec"`
	Timeouts Timeouts `json:"timeouts,omitzero"`
	// Approval, when set, lets a non-empty plan be applied once approved; without it the
	// run only reports the drift.
	Approval *Approval `json:"approval,omitempty"`
}

// ApprovalSignal is sent on the [SignalApproval] channel of a waiting run.
type ApprovalSignal struct {
	// Digest is the digest of the plan approved ([PlanSummary.Digest]); a signal for
	// another plan is ignored.
	Digest string `json:"digest"`
	// Approved false rejects the plan: the run ends with [StatusRejected].
	Approved bool `json:"approved"`
	// By names who decided, for the record.
	By string `json:"by,omitempty"`
	// Reason explains the decision.
	Reason string `json:"reason,omitempty"`
}

// Names of the signal and queries of a site run.
const (
	// SignalApproval carries an [ApprovalSignal].
	SignalApproval = "approval"
	// QueryPlan returns the run's [PlanSummary] (nil before planning).
	QueryPlan = "plan"
	// QueryStatus returns the run's [Status].
	QueryStatus = "status"
)

// Status is where a site run ended (or stands, through [QueryStatus]).
type Status string

// Statuses of a site run.
const (
	StatusPlanning         Status = "planning"
	StatusAwaitingApproval Status = "awaiting-approval"
	StatusApplying         Status = "applying"
	// StatusConverged: the plan was empty, nothing was written.
	StatusConverged Status = "converged"
	// StatusDrift: a plan-only run found changes (see [SiteResult.Plan]).
	StatusDrift Status = "drift"
	// StatusApplied: every step succeeded.
	StatusApplied Status = "applied"
	// StatusFailed: some steps failed or were skipped ([SiteResult.Steps] says which).
	StatusFailed           Status = "failed"
	StatusRejected         Status = "rejected"
	StatusApprovalTimedOut Status = "approval-timed-out"
)

// PlannedStep is one step of a plan as a workflow history carries it: no desired state
// (which may embed values derived from secrets), only what scheduling and reporting need.
type PlannedStep struct {
	// ID is the key as text ("appliance/kind/name", see [engine.ParseKey]).
	ID     string        `json:"id"`
	Action engine.Action `json:"action"`
	// Deps are the IDs of the steps that must succeed first.
	Deps     []string      `json:"deps,omitempty"`
	Changes  []string      `json:"changes,omitempty"`
	Estimate time.Duration `json:"estimate_ns,omitempty"`
	// Outputs of a no-op step (observed while planning), inputs of its dependents.
	Outputs engine.Outputs `json:"outputs,omitempty"`
}

// PlanSummary is the plan of a site as returned by the plan activity.
type PlanSummary struct {
	Site    string `json:"site"`
	Destroy bool   `json:"destroy,omitempty"`
	// Digest identifies the plan (SHA-256 of its steps with their desired state):
	// approvals name it.
	Digest string        `json:"digest"`
	Steps  []PlannedStep `json:"steps"`
	// Text is the readable diff.
	Text string `json:"text"`
	// Limits are the parallelism and write limits of the apply.
	Limits engine.Limits `json:"limits"`
	// Queues maps an appliance to the task queue its steps run on; absent means the
	// workflow's own queue.
	Queues map[string]string `json:"queues,omitempty"`
	// Reads is the number of list calls the plan made; Collections the collections read,
	// per appliance.
	Reads       int                 `json:"reads"`
	Collections map[string][]string `json:"collections,omitempty"`
	Omitted     []string            `json:"omitted,omitempty"`
	Warnings    []string            `json:"warnings,omitempty"`
	// Changes counts the steps that write.
	Changes int `json:"changes"`
}

// Empty reports whether the plan writes nothing.
func (p *PlanSummary) Empty() bool { return p == nil || p.Changes == 0 }

// StepResult is the outcome of one step of an apply.
type StepResult struct {
	ID      string         `json:"id"`
	Action  engine.Action  `json:"action"`
	Outcome engine.Outcome `json:"outcome"`
	// Did is the write the last attempt actually made after observing (a planned create
	// found done by a crashed attempt is a noop).
	Did engine.Action `json:"did,omitempty"`
	// Error is why the step failed, was skipped or cancelled.
	Error   string         `json:"error,omitempty"`
	Outputs engine.Outputs `json:"outputs,omitempty"`
	// Reads is the number of list calls the last attempt made observing the resource.
	Reads int `json:"reads,omitempty"`
}

// SiteResult is the result of a site run. Failed steps are data here, not a workflow
// error: the workflow fails only for infrastructure failures and cancellation.
type SiteResult struct {
	Site   string       `json:"site"`
	Status Status       `json:"status"`
	Plan   *PlanSummary `json:"plan,omitempty"`
	// Steps of the apply, in plan order (empty when nothing was applied).
	Steps   []StepResult   `json:"steps,omitempty"`
	Summary engine.Summary `json:"summary"`
	// Approval is the decision that released or rejected the plan.
	Approval *ApprovalSignal `json:"approval,omitempty"`
	// Reads is the number of list calls made by the plan; StepReads those made by the
	// steps' observations (every converge observes afresh).
	Reads     int `json:"reads"`
	StepReads int `json:"step_reads,omitempty"`
}

// StepRequest is the input of the converge activity: everything a worker needs to
// rebuild the graph and converge one resource, and nothing secret.
type StepRequest struct {
	Spec    SiteSpec `json:"spec"`
	Destroy bool     `json:"destroy,omitempty"`
	// Key is the resource's key as text.
	Key    string        `json:"key"`
	Action engine.Action `json:"action"`
	// Inputs are the outputs of the step's dependencies, by key text.
	Inputs map[string]engine.Outputs `json:"inputs,omitempty"`
}

// PlanRequest is the input of the plan activity.
type PlanRequest struct {
	Spec    SiteSpec `json:"spec"`
	Destroy bool     `json:"destroy,omitempty"`
}

// FleetRequest is the input of [Fleet].
type FleetRequest struct {
	Sites []SiteSpec `json:"sites"`
	// MaxConcurrent caps the site runs in flight; < 1 means 10.
	MaxConcurrent int `json:"max_concurrent,omitempty"`
	// DriftOnly plans every site without writing ([DriftSite] children); otherwise each
	// site is applied ([ApplySite] children).
	DriftOnly bool `json:"drift_only,omitempty"`
	// Approval and FailFast are passed to every site.
	Approval *Approval `json:"approval,omitempty"`
	FailFast bool      `json:"fail_fast,omitempty"`
	Timeouts Timeouts  `json:"timeouts,omitzero"`
}

// FleetSite is the outcome of one site of a fleet run, compact (the full result is in
// the site's own run, whose workflow ID is [SiteWorkflowID] or [DriftWorkflowID]).
type FleetSite struct {
	Site   string `json:"site"`
	Status Status `json:"status,omitempty"`
	Digest string `json:"digest,omitempty"`
	Writes int    `json:"writes"`
	// Reads and StepReads are the list calls of the plan and of the steps.
	Reads     int            `json:"reads"`
	StepReads int            `json:"step_reads,omitempty"`
	Steps     engine.Summary `json:"steps"`
	// Failed lists the failed steps with their errors ("id: error").
	Failed []string `json:"failed,omitempty"`
	// Error is set when the site's run could not complete (its lock was held by another
	// run, the infrastructure failed, the fleet was cancelled).
	Error string `json:"error,omitempty"`
}

// FleetResult is the result of [Fleet], one entry per site in request order.
type FleetResult struct {
	Sites []FleetSite `json:"sites"`
	// MaxInFlight is the largest number of site runs that were in flight at once.
	MaxInFlight int `json:"max_in_flight"`
}

// BackupAudit is the result of [AuditSiteBackups]: the live 3-2-1 assessment, the
// recovery objectives and the failed compliance findings of one site.
type BackupAudit struct {
	Site       string                `json:"site"`
	Backup     blueprint.Rule321     `json:"backup"`
	Objectives []blueprint.Objective `json:"objectives"`
	Failed     []blueprint.Finding   `json:"failed,omitempty"`
	OK         bool                  `json:"ok"`
}

package temporal

import (
	"context"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// DefaultTaskQueue is the task queue of the site workflows and of the activities not
// routed to an appliance queue.
const DefaultTaskQueue = "sitekit"

// SiteWorkflowID is the workflow ID of a site's apply or destroy. Starting every run of
// a site under it makes Temporal's ID uniqueness a per-site lock: a second apply of the
// same site is refused while one is running.
func SiteWorkflowID(site string) string { return "sitekit-site-" + site }

// DriftWorkflowID is the workflow ID of a site's drift run (plan only, so it does not
// take the site's apply lock).
func DriftWorkflowID(site string) string { return "sitekit-drift-" + site }

// ApplianceQueue names the task queue of one appliance instance shared by several sites,
// e.g. ApplianceQueue("xo", "xo.example.net"): "sitekit-xo-xo.example.net".
func ApplianceQueue(appliance, instance string) string {
	return DefaultTaskQueue + "-" + appliance + "-" + strings.ReplaceAll(instance, "/", "_")
}

// RegisterWorkflows registers the site workflows ([ApplySite], [DestroySite],
// [DriftSite], [AuditBackups], [Fleet]) under their function names.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	for _, wf := range []any{ApplySite, DestroySite, DriftSite, AuditBackups, Fleet} {
		r.RegisterWorkflow(wf)
	}
}

// RegisterActivities registers the activities of a (PlanSite, ConvergeStep,
// AuditSiteBackups) under their method names.
func RegisterActivities(r worker.ActivityRegistry, a *Activities) {
	r.RegisterActivityWithOptions(a.PlanSite, activity.RegisterOptions{Name: "PlanSite"})
	r.RegisterActivityWithOptions(a.ConvergeStep, activity.RegisterOptions{Name: "ConvergeStep"})
	r.RegisterActivityWithOptions(a.AuditSiteBackups, activity.RegisterOptions{Name: "AuditSiteBackups"})
}

// NewWorker returns a worker of queue running the site workflows and the activities of
// a. Run as many as needed for availability: workflow tasks are light, any worker of
// the queue takes them.
func NewWorker(c client.Client, queue string, a *Activities, opts worker.Options) worker.Worker {
	w := worker.New(c, queue, opts)
	RegisterWorkflows(w)
	RegisterActivities(w, a)
	return w
}

// NewApplianceWorker returns the worker of an appliance queue ([ApplianceQueue]): it
// runs only activities, at most limit at once. Run exactly one per shared appliance
// instance, with limit = the appliance's write limit: the sites' workflows each respect
// the limit on their own, this worker holds all of them together to it.
func NewApplianceWorker(c client.Client, queue string, limit int, a *Activities, opts worker.Options) worker.Worker {
	opts.MaxConcurrentActivityExecutionSize = max(limit, 1)
	opts.DisableWorkflowWorker = true
	w := worker.New(c, queue, opts)
	RegisterActivities(w, a)
	return w
}

// Versioned returns opts with Worker Deployment Versioning on: the worker belongs to
// version buildID of deployment, and the site workflows it starts stay pinned to that
// version for their whole run (a new version of the code only takes new runs). After
// starting the workers of a new version, make it current (client.WorkerDeploymentClient,
// SetCurrentVersion); the old workers keep serving their pinned runs until those end.
func Versioned(opts worker.Options, deployment, buildID string) worker.Options {
	opts.DeploymentOptions = worker.DeploymentOptions{
		UseVersioning:             true,
		Version:                   worker.WorkerDeploymentVersion{DeploymentName: deployment, BuildID: buildID},
		DefaultVersioningBehavior: workflow.VersioningBehaviorPinned,
	}
	return opts
}

// StartApply starts [ApplySite] for req on queue under the site's workflow ID. It fails
// while another apply or destroy of the site is running.
func StartApply(ctx context.Context, c client.Client, queue string, req ApplyRequest) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, siteStartOptions(SiteWorkflowID(req.Spec.Name()), queue), ApplySite, req)
}

// StartDestroy starts [DestroySite] for req under the site's workflow ID.
func StartDestroy(ctx context.Context, c client.Client, queue string, req ApplyRequest) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, siteStartOptions(SiteWorkflowID(req.Spec.Name()), queue), DestroySite, req)
}

// StartDrift starts [DriftSite] for req under the site's drift workflow ID.
func StartDrift(ctx context.Context, c client.Client, queue string, req DriftRequest) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, siteStartOptions(DriftWorkflowID(req.Spec.Name()), queue), DriftSite, req)
}

func siteStartOptions(id, queue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: id, TaskQueue: queue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL}
}

// Approve sends the decision on the plan of digest to the running apply, destroy or
// drift of site (workflowID: [SiteWorkflowID] or [DriftWorkflowID]).
func Approve(ctx context.Context, c client.Client, workflowID string, decision ApprovalSignal) error {
	return c.SignalWorkflow(ctx, workflowID, "", SignalApproval, decision)
}

package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// Provider gives a worker the connections to the appliances of a site. Connections hold
// credentials, so they never travel through Temporal: every worker resolves them
// locally, per site, when an activity needs them (from a vault, files, the environment).
// The provider owns the clients' lifetime; it may cache them between activities.
type Provider interface {
	Connections(ctx context.Context, site blueprint.Site) (blueprint.Connections, error)
}

// ProviderFunc adapts a function to [Provider].
type ProviderFunc func(ctx context.Context, site blueprint.Site) (blueprint.Connections, error)

// Connections calls f.
func (f ProviderFunc) Connections(ctx context.Context, site blueprint.Site) (blueprint.Connections, error) {
	return f(ctx, site)
}

// Error types of the application errors the activities return: Temporal retries
// ErrTypeTransient and never ErrTypePermanent.
const (
	ErrTypeTransient = "sitekit.Transient"
	ErrTypePermanent = "sitekit.Permanent"
)

// DefaultHeartbeatEvery is how often the converge activity heartbeats while a write runs.
const DefaultHeartbeatEvery = 5 * time.Second

// Activities are the activities of the site workflows. Register one value on every
// worker that runs them ([RegisterActivities]); workflows call them by name.
type Activities struct {
	// Provider resolves the connections of a site (required).
	Provider Provider
	// Queues returns the task queue the steps on appliance of site run on, "" for the
	// workflow's own queue. Use it to send the writes to an appliance shared by several
	// sites to one queue served by one worker capped at the appliance's limit
	// ([ApplianceQueue], [NewApplianceWorker]). Nil keeps every step on the workflow's queue.
	Queues func(site blueprint.Site, appliance string) string
	// HeartbeatEvery is the heartbeat interval of the converge activity; zero means
	// [DefaultHeartbeatEvery]. Keep it below the HeartbeatTimeout of [Timeouts].
	HeartbeatEvery time.Duration

	// builder builds graphs and plans; nil means the blueprint presets. Tests swap it.
	builder siteBuilder
	// afterConverge, when set, runs after a successful write, before the activity
	// reports (tests lose or kill a worker there); its error becomes the activity's.
	afterConverge func(req StepRequest, got engine.Converged) error
	// around, when set, wraps each converge (tests count concurrent writes).
	around func(req StepRequest) func()
}

// siteBuilder turns a site spec and connections into an engine graph or plan.
type siteBuilder interface {
	plan(ctx context.Context, spec SiteSpec, conns blueprint.Connections, destroy bool) (*engine.Plan, planExtras, error)
	graph(spec SiteSpec, conns blueprint.Connections, destroy bool) (*engine.Graph, error)
}

type planExtras struct {
	collections map[string][]string
	omitted     []string
	warnings    []string
}

type blueprintBuilder struct{}

func (blueprintBuilder) plan(ctx context.Context, spec SiteSpec, conns blueprint.Connections, destroy bool) (*engine.Plan, planExtras, error) {
	bp, err := spec.Blueprint()
	if err != nil {
		return nil, planExtras{}, err
	}
	var p *blueprint.Plan
	if destroy {
		p, err = bp.PlanDestroy(ctx, conns)
	} else {
		p, err = bp.Plan(ctx, conns)
	}
	if err != nil {
		return nil, planExtras{}, err
	}
	return p.Plan, planExtras{collections: p.Collections, omitted: p.Omitted, warnings: p.Warnings}, nil
}

func (blueprintBuilder) graph(spec SiteSpec, conns blueprint.Connections, destroy bool) (*engine.Graph, error) {
	bp, err := spec.Blueprint()
	if err != nil {
		return nil, err
	}
	if destroy {
		return bp.DestroyGraph(conns)
	}
	return bp.Graph(conns)
}

func (a *Activities) sites() siteBuilder {
	if a.builder != nil {
		return a.builder
	}
	return blueprintBuilder{}
}

func (a *Activities) connections(ctx context.Context, site blueprint.Site) (blueprint.Connections, error) {
	if a.Provider == nil {
		return blueprint.Connections{}, permanent(errors.New("sitekit temporal: Activities.Provider is nil"))
	}
	conns, err := a.Provider.Connections(ctx, site)
	if err != nil {
		return conns, classify(ctx, fmt.Errorf("connections of %s: %w", site.Name, err))
	}
	return conns, nil
}

// PlanSite reads the appliances of a site (never writes) and returns its plan as data:
// the steps without their desired state, the digest approvals name, the limits and the
// task queue of each appliance.
func (a *Activities) PlanSite(ctx context.Context, req PlanRequest) (*PlanSummary, error) {
	conns, err := a.connections(ctx, req.Spec.Site)
	if err != nil {
		return nil, err
	}
	p, extras, err := a.sites().plan(ctx, req.Spec, conns, req.Destroy)
	if err != nil {
		return nil, classify(ctx, err)
	}
	sum, err := summarize(p, extras, req.Destroy)
	if err != nil {
		return nil, permanent(err)
	}
	if a.Queues != nil {
		for _, s := range p.Steps {
			app := s.Key.Appliance
			if _, seen := sum.Queues[app]; seen {
				continue
			}
			if q := a.Queues(req.Spec.Site, app); q != "" {
				if sum.Queues == nil {
					sum.Queues = map[string]string{}
				}
				sum.Queues[app] = q
			}
		}
	}
	return sum, nil
}

// summarize turns an engine plan into the data a workflow history carries.
func summarize(p *engine.Plan, extras planExtras, destroy bool) (*PlanSummary, error) {
	sum := &PlanSummary{Site: p.Site, Destroy: destroy, Text: p.String(), Limits: p.Limits(), Reads: p.Reads,
		Collections: extras.collections, Omitted: extras.omitted, Warnings: extras.warnings, Changes: p.Changes()}
	type digested struct {
		ID      string          `json:"id"`
		Action  engine.Action   `json:"action"`
		Deps    []string        `json:"deps,omitempty"`
		Changes []string        `json:"changes,omitempty"`
		Desired json.RawMessage `json:"desired,omitempty"`
	}
	all := make([]digested, 0, len(p.Steps))
	for _, s := range p.Steps {
		ps := PlannedStep{ID: s.ID, Action: s.Action, Deps: s.Deps, Changes: s.Changes, Estimate: s.Estimate}
		if s.Action == engine.ActionNoop {
			ps.Outputs = s.Observed().Outputs
		}
		sum.Steps = append(sum.Steps, ps)
		all = append(all, digested{s.ID, s.Action, s.Deps, s.Changes, s.Desired})
	}
	b, err := json.Marshal(struct {
		Site    string     `json:"site"`
		Destroy bool       `json:"destroy"`
		Steps   []digested `json:"steps"`
	}{p.Site, destroy, all})
	if err != nil {
		return nil, fmt.Errorf("plan digest: %w", err)
	}
	h := sha256.Sum256(b)
	sum.Digest = hex.EncodeToString(h[:])
	return sum, nil
}

// ConvergeStep converges one resource of a site: it rebuilds the site's graph from the
// spec and this worker's connections, takes the resource by key, observes it afresh and
// creates, updates or deletes it ([engine.Graph.Converge]). Observing first on every
// attempt makes Temporal's retries safe after a lost answer or a crashed worker: a
// create that committed is found, not repeated. It heartbeats while the write runs, so
// a cancelled run reaches it. Transient and ambiguous errors are retryable, others
// permanent.
func (a *Activities) ConvergeStep(ctx context.Context, req StepRequest) (engine.Converged, error) {
	k, err := engine.ParseKey(req.Key)
	if err != nil {
		return engine.Converged{}, permanent(err)
	}
	in := make(map[engine.Key]engine.Outputs, len(req.Inputs))
	for id, out := range req.Inputs {
		dk, err := engine.ParseKey(id)
		if err != nil {
			return engine.Converged{Key: k}, permanent(fmt.Errorf("input: %w", err))
		}
		in[dk] = out
	}
	conns, err := a.connections(ctx, req.Spec.Site)
	if err != nil {
		return engine.Converged{Key: k}, err
	}
	g, err := a.sites().graph(req.Spec, conns, req.Destroy)
	if err != nil {
		return engine.Converged{Key: k}, permanent(err)
	}
	stop := a.heartbeat(ctx, req.Key)
	defer stop()
	if a.around != nil {
		defer a.around(req)()
	}
	got, err := g.Converge(ctx, k, req.Action, engine.NewInputs(in), engine.WithSite(req.Spec.Name()))
	if err != nil {
		return got, classify(ctx, err)
	}
	if a.afterConverge != nil {
		if err := a.afterConverge(req, got); err != nil {
			return got, classify(ctx, err)
		}
	}
	return got, nil
}

// heartbeat records a heartbeat now and then every HeartbeatEvery until stop is called.
func (a *Activities) heartbeat(ctx context.Context, details string) (stop func()) {
	if !activity.IsActivity(ctx) {
		return func() {}
	}
	every := a.HeartbeatEvery
	if every <= 0 {
		every = DefaultHeartbeatEvery
	}
	activity.RecordHeartbeat(ctx, details)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, details)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// AuditSiteBackups checks a site's backups live (3-2-1 copies, recovery objectives,
// compliance findings) without writing.
func (a *Activities) AuditSiteBackups(ctx context.Context, spec SiteSpec) (*BackupAudit, error) {
	bp, err := spec.Blueprint()
	if err != nil {
		return nil, permanent(err)
	}
	conns, err := a.connections(ctx, spec.Site)
	if err != nil {
		return nil, err
	}
	c, err := bp.Audit(ctx, conns)
	if err != nil {
		return nil, classify(ctx, err)
	}
	audit := &BackupAudit{Site: spec.Name(), Backup: c.Backup, Objectives: c.Objectives, Failed: c.Failed()}
	audit.OK = len(audit.Failed) == 0
	return audit, nil
}

// classify turns an error into what Temporal should do with it: a cancellation stays
// as is, transient and ambiguous errors are retryable application errors, the rest
// permanent.
func classify(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	if engine.IsTransient(err) || engine.IsAmbiguous(err) || sitekit.IsRetryable(err) || sitekit.IsOutcomeUnknown(err) {
		return sdktemporal.NewApplicationErrorWithCause(err.Error(), ErrTypeTransient, err)
	}
	return permanent(err)
}

func permanent(err error) error {
	return sdktemporal.NewNonRetryableApplicationError(err.Error(), ErrTypePermanent, err)
}

package blueprint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/xo"
)

// Connections are the clients of the site's appliances. A nil client leaves that
// appliance's resources out of the graph; the plan says so ([Plan.Omitted]).
type Connections struct {
	FortiGate *fortigate.Client
	XO        *xo.Client
	EMS       *ems.Client
	TrueNAS   *truenas.Client
	Netdata   *netdata.Client
	// Secrets resolves the site's [SecretRef]s when planning; nil means
	// [DefaultSecrets] ("env:" and "file:").
	Secrets SecretResolver
}

// Tier is one of the three offers.
type Tier string

// The three offers (the package documentation shows what each adds).
const (
	TierBasse    Tier = "basse"
	TierStandard Tier = "standard"
	TierPremium  Tier = "premium"
)

// features are the components a tier turns on.
type features struct {
	EMS         bool // FortiClient EMS: endpoint groups, ZTNA tags, FortiGate connector
	ZTNA        bool // ZTNA access proxy to the ERP for compliant teleworkers
	Replication bool // XO continuous replication of the replicated VMs
	Metadata    bool // XO metadata backup
	SMB         bool // TrueNAS SMB shares for the user departments
	Snapshots   bool // TrueNAS periodic snapshots
	SecondHost  bool // replication targets a second host (RTO ≈ minutes on host loss)
}

func tierFeatures(t Tier) features {
	switch t {
	case TierBasse:
		return features{SMB: true, Snapshots: true}
	case TierPremium:
		return features{EMS: true, ZTNA: true, Replication: true, Metadata: true, SMB: true, Snapshots: true, SecondHost: true}
	}
	return features{EMS: true, ZTNA: true, Replication: true, Metadata: true, SMB: true, Snapshots: true}
}

// Blueprint is a validated site and a tier: the desired state of the five appliances, as
// data. Build it with [Standard], [Basse] or [Premium]; it does no I/O until Plan.
type Blueprint struct {
	site Site
	tier Tier
	feat features
	// hook runs around every write (set by the package's own tests only).
	hook *writeHook
}

// Standard returns the blueprint of the "Standard Performance" offer for site. An invalid
// site returns its *[ValidationError] and nothing is built.
func Standard(site Site) (*Blueprint, error) { return newBlueprint(site, TierStandard) }

// Basse returns the entry offer: FortiGate segmentation, one host, nightly backups to the
// NAS with an off-site copy; no EMS/ZTNA, no continuous replication.
func Basse(site Site) (*Blueprint, error) { return newBlueprint(site, TierBasse) }

// Premium returns the Standard offer plus a second host as replication target (the only
// way to an RTO of minutes when the main host is lost). The site must describe it in
// [Site.StandbyHost].
func Premium(site Site) (*Blueprint, error) { return newBlueprint(site, TierPremium) }

// New returns the blueprint of tier for site ([TierBasse], [TierStandard], [TierPremium]),
// for programs that read the tier from configuration. An unknown tier is a
// *sitekit.FieldError.
func New(site Site, tier Tier) (*Blueprint, error) {
	switch tier {
	case TierBasse, TierStandard, TierPremium:
		return newBlueprint(site, tier)
	}
	return nil, sitekit.Invalid("Tier", string(tier), "must be basse, standard or premium")
}

func newBlueprint(site Site, tier Tier) (*Blueprint, error) {
	if err := site.Validate(); err != nil {
		return nil, err
	}
	feat := tierFeatures(tier)
	s := site.WithDefaults()
	// What the defaults filled in for a feature the tier lacks is dropped; what the site
	// asked for explicitly is a validation error (validateTier).
	if !feat.Replication {
		if len(site.VMs) == 0 {
			for i := range s.VMs {
				s.VMs[i].Replicated = false
			}
		}
		if site.Backup == (BackupPolicy{}) {
			s.Backup.Replication, s.Backup.ReplicationRetention = "", 0
		}
	}
	if !feat.Metadata && site.Backup == (BackupPolicy{}) {
		s.Backup.Metadata = false
	}
	if err := validateTier(s, tier, feat); err != nil {
		return nil, err
	}
	return &Blueprint{site: s, tier: tier, feat: feat}, nil
}

// Site returns the site with defaults filled.
func (bp *Blueprint) Site() Site { return bp.site }

// Tier returns the blueprint's offer.
func (bp *Blueprint) Tier() Tier { return bp.tier }

// Option configures Plan, Apply and Destroy; the engine's options ([engine.WithEvents],
// [engine.WithParallelism], [engine.WithLimit], [engine.WithRetries], …) are Options.
type Option = engine.Option

// WithEvents delivers apply events to fn, e.g. engine.NewProgress(os.Stdout).Event.
func WithEvents(fn func(engine.Event)) Option { return engine.WithEvents(fn) }

// Limits returns the parallelism and the write limits per appliance that Plan and Apply
// use (FortiGate writes serialised). Options given to Plan or Apply override them.
func (bp *Blueprint) Limits() engine.Limits {
	return engine.Limits{
		Parallelism: engine.DefaultParallelism,
		Default:     engine.DefaultLimit,
		Appliances:  map[string]int{appFortiGate: 1, appXO: 4, appEMS: 2, appTrueNAS: 2, appNetdata: 4},
	}
}

// Graph returns the resource graph of the blueprint for conns: the graph Plan reads and
// Apply converges, with its listers of managed objects. A distributed executor rebuilds it
// wherever a step runs and converges one resource with [engine.Graph.Converge] (with
// engine.WithSite(site.Name)).
func (bp *Blueprint) Graph(conns Connections) (*engine.Graph, error) {
	b, err := bp.graph(conns, false)
	if err != nil {
		return nil, err
	}
	return b.g, nil
}

// DestroyGraph returns the graph PlanDestroy reads: Graph without the observe-only
// resources (health gates), which own nothing to delete.
func (bp *Blueprint) DestroyGraph(conns Connections) (*engine.Graph, error) {
	b, err := bp.graph(conns, true)
	if err != nil {
		return nil, err
	}
	return b.g, nil
}

// defaultOptions: the site's marker, per-appliance write limits, retries of transient
// errors.
func (bp *Blueprint) defaultOptions() []Option {
	opts := []Option{engine.WithSite(bp.site.Name)}
	opts = append(opts, bp.Limits().Options()...)
	return append(opts, engine.WithRetries(6, 50e6)) // 50 ms, 100 ms, … capped by the engine
}

// retryableRead reports whether a failed plan (reads only) is worth planning again: not
// for cancellations, refused credentials or invalid requests. Appliance errors are often
// not classified (a TrueNAS EFAULT, an XO internal error), and a read repeated costs
// nothing, so everything else is retried a few times.
func retryableRead(err error) bool {
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, sitekit.ErrUnauthorized) && !errors.Is(err, sitekit.ErrInvalid)
}

// Plan retries when a read fails transiently.
const (
	planRetries = 5
	planBackoff = 20 * time.Millisecond
)

// Plan is a blueprint's plan: the engine plan plus what the site layer knows (the
// appliances left out, the blueprint for compliance checks).
type Plan struct {
	*engine.Plan
	// Omitted lists the appliances the tier uses that are not connected: their resources
	// are not planned. An appliance the tier does not use (EMS on Basse) is never listed.
	Omitted []string `json:"omitted,omitempty"`
	// Collections lists, per appliance, the collections the plan read.
	Collections map[string][]string `json:"collections,omitempty"`
	// Warnings are problems seen while reading that will probably fail the apply or
	// weaken the site (an existing interface overlapping a VLAN, …).
	Warnings []string `json:"warnings,omitempty"`
	// Unmanaged lists objects sitekit did not create (no marker) that touch the site's
	// VLANs: FortiGate policies, VIPs and addresses added by hand. They are drift even
	// though no step changes them.
	Unmanaged []Unmanaged `json:"unmanaged,omitempty"`
	// Blockers (destroy plans only) lists unmanaged objects referencing managed ones: the
	// appliance refuses to delete a referenced object, so [Blueprint.Destroy] refuses to
	// start while there are any.
	Blockers []Unmanaged `json:"blockers,omitempty"`
	// KeptBackups (destroy plans only) lists the backup and file datasets a destroy keeps
	// (with their snapshots) unless [DestroyOptions].DeleteBackups is set.
	KeptBackups []engine.Key `json:"kept_backups,omitempty"`

	bp      *Blueprint
	conns   Connections
	license *licenseInfo
}

// Plan reads the connected appliances (never writes) and diffs them against the
// blueprint: one list call per (appliance, collection).
func (bp *Blueprint) Plan(ctx context.Context, conns Connections, opts ...Option) (*Plan, error) {
	return bp.plan(ctx, conns, nil, opts)
}

// DestroyOptions choose what a destroy deletes beyond the site's configuration.
type DestroyOptions struct {
	// DeleteBackups deletes the site's TrueNAS datasets (the XO backups, the file shares'
	// data) and with them their snapshots. Without it they are kept
	// ([Plan.KeptBackups]): a destroy removes the configuration, never the last copies.
	DeleteBackups bool
}

// PlanDestroy plans the deletion of every object of the blueprint that carries the site's
// marker, in reverse dependency order, keeping the backup datasets. Unmarked objects are
// kept (Plan.Kept); unmarked objects that reference marked ones are Plan.Blockers.
func (bp *Blueprint) PlanDestroy(ctx context.Context, conns Connections, opts ...Option) (*Plan, error) {
	return bp.PlanDestroyWith(ctx, conns, DestroyOptions{}, opts...)
}

// PlanDestroyWith is PlanDestroy with the destroy options do.
func (bp *Blueprint) PlanDestroyWith(ctx context.Context, conns Connections, do DestroyOptions, opts ...Option) (*Plan, error) {
	return bp.plan(ctx, conns, &do, opts)
}

// ErrBlocked is matched by the error of a destroy refused because unmanaged objects
// reference the site's objects ([Plan.Blockers]).
var ErrBlocked = errors.New("destroy blocked by unmanaged objects")

// Destroy plans and applies the deletion of the site's managed objects, keeping the backup
// datasets. It writes nothing when the plan has blockers: the error matches [ErrBlocked]
// and names them.
func (bp *Blueprint) Destroy(ctx context.Context, conns Connections, opts ...Option) (*engine.Result, error) {
	return bp.DestroyWith(ctx, conns, DestroyOptions{}, opts...)
}

// DestroyWith is Destroy with the destroy options do.
func (bp *Blueprint) DestroyWith(ctx context.Context, conns Connections, do DestroyOptions, opts ...Option) (*engine.Result, error) {
	p, err := bp.PlanDestroyWith(ctx, conns, do, opts...)
	if err != nil {
		return nil, err
	}
	if len(p.Blockers) > 0 {
		var names []string
		for _, u := range p.Blockers {
			names = append(names, u.String())
		}
		return nil, fmt.Errorf("destroy %s: %w: %s", bp.site.Name, ErrBlocked, strings.Join(names, "; "))
	}
	return p.Apply(ctx)
}

func (bp *Blueprint) plan(ctx context.Context, conns Connections, do *DestroyOptions, opts []Option) (*Plan, error) {
	destroy := do != nil
	b, err := bp.graph(conns, destroy)
	if err != nil {
		return nil, err
	}
	if destroy {
		b.deleteBackups = do.DeleteBackups
	}
	if !destroy {
		// Every secret the apply will need, before anything is read or written.
		if err := b.resolveSecrets(ctx, conns.Secrets); err != nil {
			return nil, fmt.Errorf("plan %s: secrets: %w", bp.site.Name, err)
		}
	}
	all := append(bp.defaultOptions(), opts...)
	var ep *engine.Plan
	// A plan only reads: when a read fails with a transient error (throttling, 503, a
	// reset), plan again with a fresh reader, a few times, backing off.
	for attempt := 0; ; attempt++ {
		b.resetFindings()
		if destroy {
			ep, err = b.g.PlanDestroy(ctx, all...)
		} else {
			ep, err = b.g.Plan(ctx, all...)
		}
		if err == nil || attempt >= planRetries || !retryableRead(err) || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(planBackoff << attempt)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", bp.site.Name, err)
	}
	p := &Plan{Plan: ep, Collections: b.kinds, Warnings: b.warnings, bp: bp, conns: conns, Unmanaged: b.unmanaged}
	if destroy {
		p.Blockers = b.blockers
		// Backup datasets are reported as kept backups, not as unmanaged objects.
		p.Kept = slices.DeleteFunc(p.Kept, func(k engine.Key) bool {
			if slices.Contains(b.keptBackups, k) {
				p.KeptBackups = append(p.KeptBackups, k)
				return true
			}
			return false
		})
	}
	if !destroy && b.has(appEMS) {
		// The licence is read for the seats check (one call, listed with the collections).
		p.license = readLicense(ctx, conns.EMS)
		p.Collections[appEMS] = append(p.Collections[appEMS], "license")
	}
	for _, a := range appliances {
		if !b.has(a) && (a != appEMS || bp.feat.EMS) {
			p.Omitted = append(p.Omitted, a)
		}
	}
	return p, nil
}

// Status is the plan's outcome for an unattended drift check: [StatusUnknown] when an
// appliance the tier uses is not connected (the check is incomplete), [StatusCritical]
// when a step would change something or an unmanaged object touches the site,
// [StatusOK] otherwise.
func (p *Plan) Status() Status {
	switch {
	case len(p.Omitted) > 0:
		return StatusUnknown
	case !p.Empty() || len(p.Unmanaged) > 0 || len(p.Blockers) > 0:
		return StatusCritical
	}
	return StatusOK
}

// Summary is one line for an unattended run's first output line: status, site, counts of
// changes and unmanaged objects, the appliances left out.
func (p *Plan) Summary() string {
	c, u, d, n := p.Counts()
	s := fmt.Sprintf("%s: %s (%s): %d to create, %d to update, %d to delete, %d unchanged, %d unmanaged objects",
		p.Status(), p.bp.site.Name, p.bp.tier, c, u, d, n, len(p.Unmanaged))
	if len(p.Blockers) > 0 {
		s += fmt.Sprintf(", %d destroy blockers", len(p.Blockers))
	}
	if len(p.Omitted) > 0 {
		s += "; not checked (not connected): " + strings.Join(p.Omitted, ", ")
	}
	return s
}

// Blueprint returns the blueprint the plan was made from.
func (p *Plan) Blueprint() *Blueprint { return p.bp }

// Apply executes the plan (see [engine.Plan.Apply]).
func (p *Plan) Apply(ctx context.Context, opts ...Option) (*engine.Result, error) {
	return p.Plan.Apply(ctx, opts...)
}

// String renders the plan as a readable diff, preceded by the appliances left out: each
// update lists its changed fields with their values before and after (secrets redacted).
func (p *Plan) String() string { return p.Format(engine.FormatOptions{}) }

// Format renders the plan as String does; with o.Unchanged it lists the unchanged
// resources too.
func (p *Plan) Format(o engine.FormatOptions) string {
	var b strings.Builder
	for _, a := range p.Omitted {
		fmt.Fprintf(&b, "# %s: not connected, its resources are left out of this plan\n", a)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "! warning: %s\n", w)
	}
	for _, u := range p.Unmanaged {
		fmt.Fprintf(&b, "! unmanaged: %s\n", u)
	}
	for _, u := range p.Blockers {
		fmt.Fprintf(&b, "! blocker: %s\n", u)
	}
	for _, k := range p.KeptBackups {
		fmt.Fprintf(&b, "# kept: %s (backups and their snapshots; DestroyOptions.DeleteBackups deletes them)\n", k)
	}
	b.WriteString(p.Plan.Format(o))
	return b.String()
}

// JSON returns the plan as indented JSON (the engine plan, the omitted appliances and the
// collections read).
func (p *Plan) JSON() ([]byte, error) {
	return json.MarshalIndent(struct {
		Site        string              `json:"site"`
		Tier        Tier                `json:"tier"`
		Omitted     []string            `json:"omitted,omitempty"`
		Collections map[string][]string `json:"collections,omitempty"`
		Warnings    []string            `json:"warnings,omitempty"`
		Unmanaged   []Unmanaged         `json:"unmanaged,omitempty"`
		Blockers    []Unmanaged         `json:"blockers,omitempty"`
		KeptBackups []engine.Key        `json:"kept_backups,omitempty"`
		*engine.Plan
	}{p.bp.site.Name, p.bp.tier, p.Omitted, p.Collections, p.Warnings, p.Unmanaged, p.Blockers, p.KeptBackups, p.Plan}, "", "  ")
}

// validateTier checks what a tier needs beyond Site.Validate.
func validateTier(s Site, t Tier, f features) error {
	var p problems
	// A field the tier ignores is an error, not silence.
	if !f.Replication {
		for i, vm := range s.VMs {
			if vm.Replicated {
				p.add(fmt.Sprintf("VMs[%d].Replicated", i), true, "the %s offer has no continuous replication: VM %s would only get the nightly backup", t, vm.Name)
			}
		}
		if s.Backup.Replication != "" {
			p.add("Backup.Replication", s.Backup.Replication, "the %s offer has no continuous replication", t)
		}
	}
	if !f.Metadata && s.Backup.Metadata {
		p.add("Backup.Metadata", true, "the %s offer has no metadata backup", t)
	}
	if !f.ZTNA && s.Teleworkers.Enabled {
		p.add("Teleworkers.Enabled", true, "the %s offer has no ZTNA access for teleworkers (Standard and Premium have)", t)
	}
	if !f.EMS && s.Credentials.EMSConnector != "" {
		p.add("Credentials.EMSConnector", string(s.Credentials.EMSConnector), "the %s offer has no EMS", t)
	}
	if !f.SecondHost && s.StandbyHost != (Host{}) {
		p.add("StandbyHost", s.StandbyHost.Name, "only the Premium offer uses a second host; the %s offer would ignore it", t)
	}
	if f.SecondHost {
		h := s.StandbyHost
		if h.Name == "" || !ifNameRE.MatchString(h.Name) || h.Name == s.Host.Name {
			p.add("StandbyHost.Name", h.Name, "the %s offer needs a second host, named differently from %q", t, s.Host.Name)
		}
		if h.RAMGiB < s.Host.RAMGiB/2 {
			p.add("StandbyHost.RAMGiB", h.RAMGiB, "must hold the replicated VMs (at least half the main host, %d GiB)", s.Host.RAMGiB/2)
		}
	}
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list}
}

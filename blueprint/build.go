package blueprint

// ─── Contract between the appliance files of this package ────────────────────────────────
//
// The graph is built by one *build value; each appliance file adds its resources from one
// method: b.fortigate() (fortigate.go), b.xo() (xo.go), b.ems() (ems.go), b.truenas()
// (truenas.go), b.netdata() (netdata.go). A method is only called when its appliance is
// connected (Connections field non-nil); otherwise its resources are left out and the plan
// says so (Plan.Omitted).
//
// Resources reference each other by KEY, built with the constructors below (never by
// pointer), so the files can be written and built in any order. A reference to an output of
// an appliance that is not connected is replaced by the value the site already knows (the
// VM's static IP, the VLAN's name) through b.str(): see [build.str].
//
// Agreed keys and outputs (the producer MUST declare these output names in Provides):
//
//	key                                   outputs           producer
//	keyFGInterface(vlan)  fortigate/interface/<vlan>      {"name"}          fortigate.go
//	keyFGVIP(vm)          fortigate/vip/<site>-vip-<vm>   {"name"}          fortigate.go
//	keyXONetwork(vlan)    xo/network/<vlan>               {"id"}            xo.go
//	keyXOVM(vm)           xo/vm/<vm>                      {"id","ip"}       xo.go
//	keyXOBackupRepo()     xo/remote/<site>-backups        {"id"}            xo.go
//	keyNFSShare(name)     truenas/nfs-share/<name>        {"path","host"}   truenas.go
//	                      (name = nfsBackupShare for the XO backup repository)
//	keyEMSFortiGate()     ems/fortigate/<site>            {"serial"}        ems.go
//	keyEMSTag(name)       ems/ztna-tag/<site>-compliant   {"name"}          ems.go
//	keyNetdataGate(host)  netdata/gate/<host>             {}                netdata.go
//
// Names on the appliances: objects are named after the site where the appliance is shared
// between sites (FortiGate policies and addresses: "<site>-<what>"), and after the site's
// own names where it is not (VLAN interfaces use the VLAN name, ≤ 15 characters, checked by
// Validate). Every object carries site.Marker() ("managed-by sitekit:<site>") in the free
// text field its API offers: FortiOS comments, XO tags, TrueNAS comments, EMS descriptions.

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// Appliance names, as used in engine keys.
const (
	appFortiGate = "fortigate"
	appXO        = "xo"
	appEMS       = "ems"
	appTrueNAS   = "truenas"
	appNetdata   = "netdata"
)

// appliances lists the five appliances in build order.
var appliances = []string{appFortiGate, appXO, appEMS, appTrueNAS, appNetdata}

// nfsBackupShare names the TrueNAS dataset/share holding the XO backup repository.
const nfsBackupShare = "xo-backups"

// Key constructors (see the contract above).
func keyFGInterface(vlan string) engine.Key { return engine.K(appFortiGate, "interface", vlan) }
func keyFGVIP(site, vm string) engine.Key   { return engine.K(appFortiGate, "vip", site+"-vip-"+vm) }
func keyXONetwork(vlan string) engine.Key   { return engine.K(appXO, "network", vlan) }
func keyXOVM(vm string) engine.Key          { return engine.K(appXO, "vm", vm) }
func keyXOBackupRepo(site string) engine.Key {
	return engine.K(appXO, "remote", site+"-backups")
}
func keyNFSShare(name string) engine.Key     { return engine.K(appTrueNAS, "nfs-share", name) }
func keyEMSFortiGate(site string) engine.Key { return engine.K(appEMS, "fortigate", site) }
func keyEMSTag(tag string) engine.Key        { return engine.K(appEMS, "ztna-tag", tag) }
func keyNetdataGate(host string) engine.Key  { return engine.K(appNetdata, "gate", host) }

// build holds everything the appliance files need while adding resources to the graph.
type build struct {
	site   Site // with defaults filled, validated
	tier   Tier
	feat   features
	conns  Connections
	g      *engine.Graph
	marker string
	// kinds records, per appliance, the collections the graph reads (for reports and the
	// calls/plan benchmark).
	kinds map[string][]string
	// destroy is set when the graph is built for a destroy: observe-only resources (health
	// gates) are left out, they own nothing.
	destroy bool

	mu       sync.Mutex
	warnings []string
	// hook, when set, runs around every write of every resource (see writeHook).
	hook *writeHook
	// secrets are the references the resources use, resolved when planning.
	secrets map[SecretRef]sitekit.Secret
	// deleteBackups (destroy only) deletes the backup datasets too.
	deleteBackups bool
	// Found while planning (guarded by mu, reset before each planning attempt): unmanaged
	// objects touching the site, destroy blockers, datasets a destroy keeps.
	unmanaged, blockers []Unmanaged
	keptBackups         []engine.Key
}

// warn records a problem found while observing that does not stop the plan but will
// probably fail the apply or weaken the site (shown by Plan.String, failed in compliance).
func (b *build) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Contains(b.warnings, msg) {
		b.warnings = append(b.warnings, msg)
		slices.Sort(b.warnings)
	}
}

// resetFindings forgets what a previous planning attempt found.
func (b *build) resetFindings() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unmanaged, b.blockers, b.keptBackups = nil, nil, nil
}

// has reports whether appliance app is connected (its resources are in the graph).
func (b *build) has(app string) bool {
	switch app {
	case appFortiGate:
		return b.conns.FortiGate != nil
	case appXO:
		return b.conns.XO != nil
	case appEMS:
		return b.conns.EMS != nil && b.feat.EMS
	case appTrueNAS:
		return b.conns.TrueNAS != nil
	case appNetdata:
		return b.conns.Netdata != nil
	}
	return false
}

// add adds resources to the graph, their write errors classified (see classified.go).
func (b *build) add(rs ...engine.Resource) {
	for _, r := range rs {
		r = classifyWrites(r)
		if b.hook != nil {
			r = &hooked{Resource: r, hook: b.hook}
		}
		b.g.Add(r)
	}
}

// after returns the keys among ks whose appliance is connected: explicit dependencies on an
// absent appliance are dropped (its resources are not in the graph).
func (b *build) after(ks ...engine.Key) []engine.Key {
	var out []engine.Key
	for _, k := range ks {
		if b.has(k.Appliance) {
			out = append(out, k)
		}
	}
	return out
}

// strRef is a string input of a resource: the output of another resource when that
// resource's appliance is connected, else a value known from the site.
type strRef struct {
	ref      *engine.Ref[string]
	fallback string
}

// str returns the output name of resource k, or fallback when k's appliance is not
// connected. Put r.uses() in the consumer's Uses and read r.get(in) in its WantFn.
func (b *build) str(k engine.Key, name, fallback string) strRef {
	if !b.has(k.Appliance) {
		return strRef{fallback: fallback}
	}
	r := engine.Output[string](k, name)
	return strRef{ref: &r, fallback: fallback}
}

func (r strRef) uses() []engine.Reference {
	if r.ref == nil {
		return nil
	}
	return []engine.Reference{*r.ref}
}

// get returns the resolved value; at plan time, before the producer exists, the fallback.
func (r strRef) get(in engine.Inputs) string {
	if r.ref == nil {
		return r.fallback
	}
	if v, ok := r.ref.Lookup(in); ok && v != "" {
		return v
	}
	return r.fallback
}

// uses concatenates the references of several inputs.
func uses(rs ...strRef) []engine.Reference {
	var out []engine.Reference
	for _, r := range rs {
		out = append(out, r.uses()...)
	}
	return out
}

// reads records that appliance app's resources list collection (once per plan).
func (b *build) reads(app, collection string) {
	if !slices.Contains(b.kinds[app], collection) {
		b.kinds[app] = append(b.kinds[app], collection)
	}
}

// describe wraps err with the appliance and the object, for step errors.
func describe(app, what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", app, what, err)
}

// estimates of one write per appliance, steering the scheduler (longest path first).
var estimates = map[string]time.Duration{
	appFortiGate: 200 * time.Millisecond,
	appXO:        2 * time.Second,
	appEMS:       300 * time.Millisecond,
	appTrueNAS:   500 * time.Millisecond,
	appNetdata:   time.Second,
}

// graph builds the resource graph of the blueprint for conns.
func (bp *Blueprint) graph(conns Connections, destroy bool) (*build, error) {
	b := &build{site: bp.site, tier: bp.tier, feat: bp.feat, conns: conns, g: engine.NewGraph(),
		marker: bp.site.Marker(), kinds: map[string][]string{}, destroy: destroy, hook: bp.hook}
	steps := []struct {
		app string
		fn  func() error
	}{
		{appFortiGate, b.fortigate}, {appXO, b.xo}, {appEMS, b.ems}, {appTrueNAS, b.truenas}, {appNetdata, b.netdata},
	}
	for _, s := range steps {
		if !b.has(s.app) {
			continue
		}
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("blueprint %s: %w", s.app, err)
		}
	}
	if err := b.g.Validate(); err != nil {
		return nil, fmt.Errorf("blueprint %s: graph: %w", bp.site.Name, err)
	}
	return b, nil
}

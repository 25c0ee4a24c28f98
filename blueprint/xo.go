package blueprint

// Xen Orchestra resources of the presets: the XCP-ng host (looked up, never
// created), the VLAN networks of the VLANs with OnHost, the site's VMs, the backup
// repository on the TrueNAS NFS share, the delta backup and continuous replication jobs and
// the metadata backup job (pool metadata + XO configuration, daily, when
// site.Backup.Metadata).
//
// Orphans: listers return every marked VM, VLAN network, backup repository and backup job
// (VM or metadata; the last two only with TrueNAS connected), so a marked object removed
// from the site is planned for deletion and Destroy deletes it; they read only collections
// the resources read anyway.
//
// Markers: networks and VMs carry site.Marker() as an XO tag. Backup repositories and jobs
// have no tags in XO, so the marker is carried in their name: "<site>-backups
// [managed-by sitekit:<site>]". An object found under the plain name without the marker is
// adopted (renamed) by an update; destroy only deletes marked objects.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/xo"
)

// XO collections read by the plan (one list call each, shared through the engine Reader).
const (
	xoCollHosts   = "hosts"
	xoCollPools   = "pools"
	xoCollPIFs    = "pifs"
	xoCollSRs     = "srs"
	xoCollNets    = "networks"
	xoCollVMs     = "vms"
	xoCollVIFs    = "vifs"
	xoCollRemotes = "backup-repositories"
	xoCollJobs    = "backup-jobs"
	xoCollScheds  = "schedules"
	// xoCollMetaJobs is /backup-jobs filtered on type metadataBackup: REST lists every job
	// type in one collection, but the typed VM-job list cannot carry a metadata job's pools
	// and XO flag, so the metadata jobs are one more list call per plan.
	xoCollMetaJobs = "backup-jobs:metadata"
)

// xoMetadataCron is the schedule of the metadata backup: daily, after the nightly delta
// backup of the default policy (01:00).
const xoMetadataCron = "0 2 * * *"

// xoTemplates lists, per OS, the template names tried in order (XO Hub names first).
var xoTemplates = map[OS][]string{
	Debian12:          {"Debian 12 Cloud-init (Hub)", "Debian Bookworm 12"},
	WindowsServer2022: {"Windows Server 2022 (64-bit)", "Windows Server 2022"},
}

// xoIPWait bounds the wait for a Linux VM's address after its creation (cloud-init boot);
// xoStartWait bounds the wait for a VM to run after its creation or start.
var (
	xoIPWait    = 10 * time.Minute
	xoStartWait = 5 * time.Minute
)

// xoStreamPort is the Netdata port children stream to and the gate reads.
const xoStreamPort = 19999

func keyXOHost(name string) engine.Key { return engine.K(appXO, "host", name) }

// xoMarkedName is the name of an XO object without tags: base plus the site's marker.
func (b *build) xoMarkedName(base string) string { return base + " [" + b.marker + "]" }

// rpcWriteErr classifies a write error of the XO and TrueNAS clients for the engine: an
// unknown outcome (a lost answer, a dropped JSON-RPC connection) or an "already exists"
// answer makes the engine re-observe before any retry, so a create is never duplicated.
func rpcWriteErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sitekit.ErrOutcomeUnknown) || errors.Is(err, sitekit.ErrExists) {
		return engine.Ambiguous(err)
	}
	return err
}

// deleted is the result of a delete: an object already gone is deleted; another error is
// described with app and what.
func deleted(app, what string, err error) error {
	if errors.Is(err, sitekit.ErrNotFound) {
		return nil
	}
	return describe(app, what, err)
}

// xoList lists collection coll once per plan through the engine reader.
func xoList[T any](ctx context.Context, b *build, r *engine.Reader, coll string, list func(context.Context, *xo.ListOptions) ([]T, error)) ([]T, error) {
	return engine.ListAs(ctx, r, appXO, coll, func(ctx context.Context) ([]T, error) { return list(ctx, nil) })
}

// xoHostInfo is what the resources need to know about an XCP-ng host.
type xoHostInfo struct {
	ID, Pool, Address string
	PIF, PIFDevice    string // physical PIF carrying the VLANs (the management NIC)
	SR                string // SR for disks and replicas on this host
}

// xoFindHost looks host name up in the shared lists (hosts, pifs, pools, srs).
func (b *build) xoFindHost(ctx context.Context, r *engine.Reader, name string) (xoHostInfo, bool, error) {
	c := b.conns.XO
	hosts, err := xoList(ctx, b, r, xoCollHosts, c.Hosts.List)
	if err != nil {
		return xoHostInfo{}, false, err
	}
	i := slices.IndexFunc(hosts, func(h xo.Host) bool { return h.NameLabel == name })
	if i < 0 {
		return xoHostInfo{}, false, nil
	}
	h := hosts[i]
	info := xoHostInfo{ID: h.ID, Pool: h.Pool, Address: h.Address}
	pifs, err := xoList(ctx, b, r, xoCollPIFs, c.PIFs.List)
	if err != nil {
		return xoHostInfo{}, false, err
	}
	var phys []xo.PIF
	for _, p := range pifs {
		if p.Host == h.ID && p.Physical && int(p.VLAN) < 0 {
			phys = append(phys, p)
		}
	}
	sort.Slice(phys, func(i, j int) bool {
		if phys[i].Management != phys[j].Management {
			return phys[i].Management
		}
		return phys[i].Device < phys[j].Device
	})
	if len(phys) > 0 {
		info.PIF, info.PIFDevice = phys[0].ID, phys[0].Device
		if info.Address == "" {
			info.Address = phys[0].IP
		}
	}
	pools, err := xoList(ctx, b, r, xoCollPools, c.Pools.List)
	if err != nil {
		return xoHostInfo{}, false, err
	}
	srs, err := xoList(ctx, b, r, xoCollSRs, c.SRs.List)
	if err != nil {
		return xoHostInfo{}, false, err
	}
	var defSR string
	for _, p := range pools {
		if p.ID == h.Pool {
			defSR = p.DefaultSR
		}
	}
	// The pool's default SR when it is reachable from this host (shared or local to it),
	// else the largest local user SR of the host.
	var best *xo.SR
	for k := range srs {
		s := &srs[k]
		if s.ContentType != "user" && s.ContentType != "" {
			continue
		}
		if s.ID == defSR && (s.Shared || s.Container == h.ID || s.Container == h.Pool) {
			best = s
			break
		}
		if s.Container == h.ID && (best == nil || s.Size > best.Size) {
			best = s
		}
	}
	if best != nil {
		info.SR = best.ID
	}
	return info, true, nil
}

// xo adds the Xen Orchestra resources to the graph.
func (b *build) xo() error {
	s := b.site
	// Collections the observations read (recorded here: b.reads is not safe during a plan).
	for _, coll := range []string{xoCollHosts, xoCollPIFs, xoCollPools, xoCollSRs, xoCollNets, xoCollVMs, xoCollVIFs} {
		b.reads(appXO, coll)
	}
	if b.has(appTrueNAS) {
		b.reads(appXO, xoCollRemotes)
		b.reads(appXO, xoCollJobs)
		b.reads(appXO, xoCollScheds)
		if b.xoMetadataWanted() {
			b.reads(appXO, xoCollMetaJobs)
		}
	}
	b.xoListers()
	b.xoHost(s.Host.Name)
	if b.feat.SecondHost && s.StandbyHost.Name != "" {
		b.xoHost(s.StandbyHost.Name)
	}
	for _, v := range s.Network.VLANs {
		if v.OnHost {
			b.xoNetwork(v)
		}
	}
	for _, vm := range s.VMs {
		v, ok := s.Network.VLAN(vm.VLAN)
		if !ok || !v.OnHost {
			return fmt.Errorf("VM %s: VLAN %q is not a network on the host (OnHost)", vm.Name, vm.VLAN)
		}
		if _, ok := xoTemplates[vm.OS]; !ok {
			return fmt.Errorf("VM %s: no XO template known for OS %q", vm.Name, vm.OS)
		}
		b.xoVM(vm, v)
	}
	// The backup repository needs the TrueNAS NFS share: without TrueNAS the site has no
	// second copy to write to, and the backup jobs are left out with it.
	if !b.has(appTrueNAS) {
		return nil
	}
	b.xoRepository()
	var all, replicated []string
	for _, vm := range s.VMs {
		all = append(all, vm.Name)
		if vm.Replicated {
			replicated = append(replicated, vm.Name)
		}
	}
	b.xoJob("delta", all, s.Backup.Delta, s.Backup.Retention, "")
	if b.feat.Replication && s.Backup.Replication != "" && len(replicated) > 0 {
		target := s.Host.Name
		if b.feat.SecondHost && s.StandbyHost.Name != "" {
			target = s.StandbyHost.Name
		}
		b.xoJob("replication", replicated, s.Backup.Replication, max(s.Backup.ReplicationRetention, 1), target)
	}
	if b.xoMetadataWanted() {
		b.xoMetadataJob()
	}
	return nil
}

// xoMetadataWanted reports whether the site backs up the pool metadata and XO configuration.
func (b *build) xoMetadataWanted() bool { return b.feat.Metadata && b.site.Backup.Metadata }

// xoUnknownHost is the plan error for a host Xen Orchestra does not know: a
// *sitekit.FieldError naming the site's field and the hosts XO knows.
func (b *build) xoUnknownHost(ctx context.Context, r *engine.Reader, name string) error {
	field := "Host.Name"
	if name != b.site.Host.Name {
		field = "StandbyHost.Name"
	}
	hosts, err := xoList(ctx, b, r, xoCollHosts, b.conns.XO.Hosts.List)
	if err != nil {
		return err
	}
	known := make([]string, 0, len(hosts))
	for _, h := range hosts {
		known = append(known, h.NameLabel)
	}
	sort.Strings(known)
	return &sitekit.FieldError{Field: field, Value: name,
		Reason: fmt.Sprintf("Xen Orchestra knows no such XCP-ng host (it knows: %s); add its pool master to XO or fix the site", orNone(known, "none"))}
}

// ── host (looked up, never created) ─────────────────────────────────────────────────────

type xoHostState struct {
	Name string `json:"name"`
}

func (b *build) xoHost(name string) {
	b.add(&engine.Func[xoHostState]{
		ID:       keyXOHost(name),
		Want:     xoHostState{Name: name},
		Provides: []string{"id", "pool", "address", "pif", "sr"},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			h, ok, err := b.xoFindHost(ctx, r, name)
			if err != nil {
				return engine.NotFound(), err
			}
			if !ok {
				if b.destroy {
					return engine.NotFound(), nil // nothing of the site can be on it
				}
				// A host is never created: planning a create that can only fail would
				// leave the site half-built. The plan fails here, before any write.
				return engine.NotFound(), b.xoUnknownHost(ctx, r, name)
			}
			return engine.Found(xoHostState{Name: name}, false, engine.Outputs{
				"id": h.ID, "pool": h.Pool, "address": h.Address, "pif": h.PIF, "sr": h.SR}), nil
		},
		OnCreate: func(ctx context.Context, _ xoHostState) (engine.Outputs, error) {
			return nil, fmt.Errorf("xo: host %q is not known to Xen Orchestra: add its pool master (xo.Servers) first", name)
		},
	})
}

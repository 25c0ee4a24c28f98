package blueprint

// Xen Orchestra resources of the presets (DESIGN §6): the XCP-ng host (looked up, never
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
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/cloudinit"
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

// xoIPWait bounds the wait for a Linux VM's address after its creation (cloud-init boot).
var xoIPWait = 10 * time.Minute

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
	if errors.Is(err, sitekit.ErrOutcomeUnknown) || errors.Is(err, jsonrpc.ErrConnectionLost) || errors.Is(err, sitekit.ErrExists) {
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
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			return engine.Found(xoHostState{Name: name}, false, engine.Outputs{
				"id": h.ID, "pool": h.Pool, "address": h.Address, "pif": h.PIF, "sr": h.SR}), nil
		},
		OnCreate: func(ctx context.Context, _ xoHostState) (engine.Outputs, error) {
			return nil, fmt.Errorf("xo: host %q is not known to Xen Orchestra: add its pool master (xo.Servers) first", name)
		},
	})
}

// ── networks ───────────────────────────────────────────────────────────────────────────

type xoNetworkState struct {
	VLAN   int    `json:"vlan"`
	Marker string `json:"marker"`
	// Name is the label on XO; shown, not diffed (the identity is pool, PIF device, VLAN).
	Name string `json:"-"`
	pool string
	pif  string
}

func (b *build) xoNetwork(v VLAN) {
	c := b.conns.XO
	host := keyXOHost(b.site.Host.Name)
	pool := engine.Output[string](host, "pool")
	pif := engine.Output[string](host, "pif")
	b.add(&engine.Func[xoNetworkState]{
		ID:       keyXONetwork(v.Name),
		Uses:     []engine.Reference{pool, pif},
		Provides: []string{"id"},
		Duration: estimates[appXO],
		WantFn: func(in engine.Inputs) xoNetworkState {
			return xoNetworkState{VLAN: v.ID, Marker: b.marker, Name: v.Name, pool: pool.Get(in), pif: pif.Get(in)}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			n, ok, err := b.xoFindNetwork(ctx, r, v.ID)
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			managed := slices.Contains(n.Tags, b.marker)
			st := xoNetworkState{VLAN: v.ID, Name: n.NameLabel}
			if managed {
				st.Marker = b.marker
			}
			return engine.Found(st, managed, engine.Outputs{"id": n.ID}), nil
		},
		OnCreate: func(ctx context.Context, w xoNetworkState) (engine.Outputs, error) {
			n, created, err := c.Networks.Ensure(ctx, xo.NetworkCreateRequest{Pool: w.pool, Name: v.Name,
				Description: b.marker, PIF: w.pif, VLAN: v.ID, Tags: []string{b.marker}})
			if err != nil {
				return nil, describe(appXO, "network "+v.Name, rpcWriteErr(err))
			}
			if !created && !slices.Contains(n.Tags, b.marker) {
				if err := c.Networks.AddTag(ctx, n.ID, b.marker); err != nil {
					return nil, describe(appXO, "network "+v.Name, err)
				}
			}
			return engine.Outputs{"id": n.ID}, nil
		},
		OnUpdate: func(ctx context.Context, _ xoNetworkState, cur engine.Observed) (engine.Outputs, error) {
			id, _ := cur.Outputs["id"].(string)
			return nil, describe(appXO, "network "+v.Name, c.Networks.AddTag(ctx, id, b.marker))
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			id, _ := cur.Outputs["id"].(string)
			if !cur.Managed {
				return fmt.Errorf("xo network %s: not managed by %s, kept", v.Name, b.site.Name)
			}
			return deleted(appXO, "network "+v.Name, c.Networks.Delete(ctx, id))
		},
	})
}

// xoFindNetwork finds the network of VLAN id on the main host's NIC: the network of the
// VLAN PIF with the same pool, device and tag.
func (b *build) xoFindNetwork(ctx context.Context, r *engine.Reader, vlan int) (xo.Network, bool, error) {
	c := b.conns.XO
	h, ok, err := b.xoFindHost(ctx, r, b.site.Host.Name)
	if err != nil || !ok || h.PIFDevice == "" {
		return xo.Network{}, false, err
	}
	pifs, err := xoList(ctx, b, r, xoCollPIFs, c.PIFs.List)
	if err != nil {
		return xo.Network{}, false, err
	}
	nets, err := xoList(ctx, b, r, xoCollNets, c.Networks.List)
	if err != nil {
		return xo.Network{}, false, err
	}
	for _, p := range pifs {
		if p.Pool == h.Pool && p.Device == h.PIFDevice && int(p.VLAN) == vlan && p.Network != "" {
			for _, n := range nets {
				if n.ID == p.Network {
					return n, true, nil
				}
			}
		}
	}
	return xo.Network{}, false, nil
}

// ── VMs ────────────────────────────────────────────────────────────────────────────────

type xoVMState struct {
	CPUs      int    `json:"cpus"`
	MemoryGiB int    `json:"memory_gib"`
	Network   string `json:"network"`
	Running   bool   `json:"running"`
	Marker    string `json:"marker"`
	// Set at creation only (XO cannot read them back): not diffed.
	DiskGiB  int    `json:"-"`
	Template string `json:"-"`
	pool     string
}

func (b *build) xoVM(vm VM, v VLAN) {
	c := b.conns.XO
	host := keyXOHost(b.site.Host.Name)
	pool := engine.Output[string](host, "pool")
	sr := engine.Output[string](host, "sr")
	net := engine.Output[string](keyXONetwork(v.Name), "id")
	linux := vm.OS == Debian12
	outputs := func(x *xo.VM) engine.Outputs {
		ip := vm.IP.String()
		if a, ok := xo.AddressIn(x, v.Subnet); ok {
			ip = a.String()
		}
		return engine.Outputs{"id": x.ID, "ip": ip}
	}
	b.add(&engine.Func[xoVMState]{
		ID:       keyXOVM(vm.Name),
		Uses:     []engine.Reference{pool, sr, net},
		Provides: []string{"id", "ip"},
		Duration: 3 * estimates[appXO],
		WantFn: func(in engine.Inputs) xoVMState {
			return xoVMState{CPUs: vm.CPUs, MemoryGiB: vm.RAMGiB, Network: net.Get(in), Running: true, Marker: b.marker,
				DiskGiB: vm.DiskGiB, Template: xoTemplates[vm.OS][0], pool: pool.Get(in)}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			h, ok, err := b.xoFindHost(ctx, r, b.site.Host.Name)
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			vms, err := xoList(ctx, b, r, xoCollVMs, c.VMs.List)
			if err != nil {
				return engine.NotFound(), err
			}
			x, ok := xoPickVM(vms, h.Pool, vm.Name, b.marker)
			if !ok {
				return engine.NotFound(), nil
			}
			vifs, err := xoList(ctx, b, r, xoCollVIFs, c.VIFs.List)
			if err != nil {
				return engine.NotFound(), err
			}
			st := xoVMState{CPUs: int(x.CPUs.Number), MemoryGiB: int(x.Memory.Size.Int() >> 30), Running: x.PowerState == xo.PowerRunning}
			for _, f := range vifs {
				if f.VM == x.ID && f.Device == "0" {
					st.Network = f.Network
				}
			}
			managed := slices.Contains(x.Tags, b.marker)
			if managed {
				st.Marker = b.marker
			}
			return engine.Found(st, managed, outputs(&x)), nil
		},
		OnCreate: func(ctx context.Context, w xoVMState) (engine.Outputs, error) {
			// Find before create: a VM with this name in the pool (a previous attempt whose
			// tagging or answer failed) is taken over, never duplicated.
			if x, err := c.VMs.Find(ctx, w.pool, vm.Name); err == nil {
				if !slices.Contains(x.Tags, b.marker) {
					if err := c.VMs.AddTag(ctx, x.ID, b.marker); err != nil {
						return nil, describe(appXO, "VM "+vm.Name, err)
					}
				}
				if x.PowerState != xo.PowerRunning {
					if err := c.VMs.Start(ctx, x.ID); err != nil {
						return nil, describe(appXO, "VM "+vm.Name, err)
					}
				}
				return b.xoWaitVM(ctx, vm, v, x.ID, linux, outputs)
			} else if !errors.Is(err, sitekit.ErrNotFound) {
				return nil, describe(appXO, "VM "+vm.Name, err)
			}
			req, err := b.xoVMRequest(ctx, vm, v, w, sr.Get)
			if err != nil {
				return nil, describe(appXO, "VM "+vm.Name, err)
			}
			x, err := c.VMs.Create(ctx, req)
			if err != nil {
				return nil, describe(appXO, "VM "+vm.Name, rpcWriteErr(err))
			}
			return b.xoWaitVM(ctx, vm, v, x.ID, linux, outputs)
		},
		OnUpdate: func(ctx context.Context, w xoVMState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[xoVMState](cur)
			id, _ := cur.Outputs["id"].(string)
			if have.Network != w.Network {
				return nil, fmt.Errorf("xo VM %s: its VIF 0 is on network %q, not %q: moving a VM between networks is not automated (recreate it)", vm.Name, have.Network, w.Network)
			}
			var u xo.VMUpdate
			if have.CPUs != w.CPUs {
				u.CPUs = &w.CPUs
			}
			if have.MemoryGiB != w.MemoryGiB {
				m := int64(w.MemoryGiB) << 30
				u.Memory = &m
			}
			if u.CPUs != nil || u.Memory != nil {
				if _, err := c.VMs.Update(ctx, id, u); err != nil {
					return nil, describe(appXO, "VM "+vm.Name, err)
				}
			}
			if have.Marker != w.Marker {
				if err := c.VMs.AddTag(ctx, id, b.marker); err != nil {
					return nil, describe(appXO, "VM "+vm.Name, err)
				}
			}
			if !have.Running {
				if err := c.VMs.Start(ctx, id); err != nil {
					return nil, describe(appXO, "VM "+vm.Name, err)
				}
				return b.xoWaitVM(ctx, vm, v, id, linux, outputs)
			}
			return nil, nil
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("xo VM %s: not managed by %s, kept", vm.Name, b.site.Name)
			}
			id, _ := cur.Outputs["id"].(string)
			return deleted(appXO, "VM "+vm.Name, c.VMs.Delete(ctx, id))
		},
	})
}

// xoPickVM returns the VM (not template) named name in pool, preferring a marked one.
func xoPickVM(vms []xo.VM, pool, name, marker string) (xo.VM, bool) {
	var found []xo.VM
	for _, x := range vms {
		if x.NameLabel == name && x.Pool == pool && (x.Type == "" || x.Type == "VM") {
			found = append(found, x)
		}
	}
	if len(found) == 0 {
		return xo.VM{}, false
	}
	for _, x := range found {
		if slices.Contains(x.Tags, marker) {
			return x, true
		}
	}
	return found[0], true
}

// xoWaitVM waits until the VM runs and, for a cloud-init Linux VM, reports an address in
// its VLAN; it returns the VM's outputs.
func (b *build) xoWaitVM(ctx context.Context, vm VM, v VLAN, id string, linux bool, outputs func(*xo.VM) engine.Outputs) (engine.Outputs, error) {
	c := b.conns.XO
	x, err := c.VMs.WaitPowerState(ctx, id, xo.PowerRunning)
	if err != nil {
		return nil, describe(appXO, "VM "+vm.Name+" start", err)
	}
	if linux {
		wctx, cancel := context.WithTimeout(ctx, xoIPWait)
		defer cancel()
		if _, err := c.VMs.WaitForIP(wctx, id, v.Subnet); err != nil {
			return nil, describe(appXO, "VM "+vm.Name+" address", err)
		}
		if x, err = c.VMs.Get(ctx, id); err != nil {
			return nil, describe(appXO, "VM "+vm.Name, err)
		}
	}
	return outputs(&x), nil
}

// xoVMRequest builds the create_vm request: template by OS, size, VIF on the VLAN's
// network, and for Linux the cloud-init user-data and network-config (secrets resolved now).
func (b *build) xoVMRequest(ctx context.Context, vm VM, v VLAN, w xoVMState, srOf func(engine.Inputs) string) (xo.VMCreateRequest, error) {
	c := b.conns.XO
	var tpl xo.Template
	var err error
	for _, name := range xoTemplates[vm.OS] {
		tpl, err = c.Templates.Find(ctx, w.pool, name)
		if err == nil {
			break
		}
		if !errors.Is(err, sitekit.ErrNotFound) {
			return xo.VMCreateRequest{}, err
		}
	}
	if err != nil {
		return xo.VMCreateRequest{}, fmt.Errorf("no template for %s (tried %s): %w", vm.OS, strings.Join(xoTemplates[vm.OS], ", "), err)
	}
	req := xo.VMCreateRequest{Pool: w.pool, Template: tpl.ID, NameLabel: vm.Name, NameDescription: b.marker,
		CPUs: vm.CPUs, Memory: int64(vm.RAMGiB) << 30, Boot: true, AutoPoweron: true,
		VIFs: []xo.VIFSpec{{Device: "0", Network: w.Network}}, Tags: []string{b.marker}}
	size := int64(vm.DiskGiB) << 30
	if d := tpl.TemplateInfo.Disks; len(d) > 0 {
		dev := d[0].Device
		if dev == "" || !isDigits(dev) {
			dev = "0"
		}
		if int64(d[0].Size) < size {
			req.VDIs = []xo.VDISpec{{UserDevice: dev, Size: size}}
		}
	} else {
		req.VDIs = []xo.VDISpec{{Size: size, NameLabel: vm.Name + "-disk0", NameDescription: b.marker}}
	}
	if vm.OS == Debian12 {
		ud, nc, err := b.xoCloudInit(vm, v)
		if err != nil {
			return xo.VMCreateRequest{}, err
		}
		req.CloudConfig, req.NetworkConfig = ud, nc
	}
	return req, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// xoCloudInit renders the user-data and network-config of a Debian VM: web = LAMP + Netdata
// agent streaming to the monitor, monitor = Netdata parent, any other Linux VM = agent.
func (b *build) xoCloudInit(vm VM, v VLAN) (userData, networkConfig string, err error) {
	s := b.site
	mgmt := v.Subnet
	if ms := s.Network.ByRole(RoleMgmt); len(ms) > 0 {
		mgmt = ms[0].Subnet.Masked()
	}
	var monitor netip.Addr
	var children []netip.Prefix
	for _, o := range s.VMs {
		switch {
		case o.Role == "monitor":
			monitor = o.IP
		case o.OS == Debian12 && o.IP.IsValid():
			children = append(children, netip.PrefixFrom(o.IP, 32))
		}
	}
	var key sitekit.Secret
	if s.Credentials.NetdataStreamKey != "" {
		if key, err = s.Credentials.NetdataStreamKey.Resolve(); err != nil {
			return "", "", err
		}
	}
	allow := []netip.Prefix{mgmt}
	if monitor.IsValid() && monitor != vm.IP {
		allow = append(allow, netip.PrefixFrom(monitor, 32))
	}
	base := cloudinit.UserData{Hostname: vm.Name, ManageEtcHosts: true, PackageUpdate: true}
	parts := []cloudinit.UserData{base}
	agent := func() error {
		o := cloudinit.NetdataAgentOptions{Address: vm.IP, AllowFrom: allow}
		if monitor.IsValid() && monitor != vm.IP && !key.IsZero() {
			o.Parent, o.APIKey, o.DBMode = netip.AddrPortFrom(monitor, xoStreamPort), key, "ram"
		}
		u, err := cloudinit.NetdataAgent(o)
		parts = append(parts, u)
		return err
	}
	switch {
	case vm.Role == "monitor" && !key.IsZero() && len(children) > 0:
		u, err := cloudinit.NetdataParent(cloudinit.NetdataParentOptions{Address: vm.IP, AllowFrom: []netip.Prefix{mgmt},
			Children: children, APIKey: key, Nodes: len(children) + 1})
		if err != nil {
			return "", "", err
		}
		parts = append(parts, u)
	case vm.Role == "web":
		var extra []cloudinit.Allow
		if monitor.IsValid() {
			extra = append(extra, cloudinit.Allow{Port: xoStreamPort, From: netip.PrefixFrom(monitor, 32)})
		}
		extra = append(extra, cloudinit.Allow{Port: xoStreamPort, From: mgmt})
		u, err := cloudinit.LAMP(cloudinit.LAMPOptions{ManagementSubnet: mgmt, Allow: extra})
		if err != nil {
			return "", "", err
		}
		parts = append(parts, u)
		if err := agent(); err != nil {
			return "", "", err
		}
	default:
		if err := agent(); err != nil {
			return "", "", err
		}
	}
	ud, err := cloudinit.Compose(parts...)
	if err != nil {
		return "", "", err
	}
	if userData, err = ud.Render(); err != nil {
		return "", "", err
	}
	ifc := cloudinit.Interface{Name: "eth0", Addresses: []netip.Prefix{netip.PrefixFrom(vm.IP, v.Subnet.Bits())}, Gateway: v.Gateway, DNS: s.Network.DNS}
	if networkConfig, err = (cloudinit.NetworkConfig{Version: cloudinit.NetworkV1, Interfaces: []cloudinit.Interface{ifc}}).Render(); err != nil {
		return "", "", err
	}
	return userData, networkConfig, nil
}

// ── backup repository ──────────────────────────────────────────────────────────────────

type xoRemoteState struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	server string
	path   string
}

func (b *build) xoRepository() {
	c := b.conns.XO
	base := b.site.Name + "-backups"
	name := b.xoMarkedName(base)
	path := b.str(keyNFSShare(nfsBackupShare), "path", "")
	host := b.str(keyNFSShare(nfsBackupShare), "host", "")
	want := func(in engine.Inputs) xoRemoteState {
		req := xo.NFSRepositoryRequest{Server: host.get(in), Path: path.get(in)}
		return xoRemoteState{Name: name, URL: req.URL(), server: req.Server, path: req.Path}
	}
	find := func(items []xo.BackupRepository) (xo.BackupRepository, bool, bool) {
		return xoFindMarked(items, name, base, func(it xo.BackupRepository) string { return it.Name })
	}
	b.add(&engine.Func[xoRemoteState]{
		ID:       keyXOBackupRepo(b.site.Name),
		Uses:     uses(path, host),
		Provides: []string{"id"},
		WantFn:   want,
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			items, err := xoList(ctx, b, r, xoCollRemotes, c.BackupRepositories.List)
			if err != nil {
				return engine.NotFound(), err
			}
			it, ok, managed := find(items)
			if !ok {
				return engine.NotFound(), nil
			}
			return engine.Found(xoRemoteState{Name: it.Name, URL: it.URL}, managed, engine.Outputs{"id": it.ID}), nil
		},
		OnCreate: func(ctx context.Context, w xoRemoteState) (engine.Outputs, error) {
			items, err := c.BackupRepositories.List(ctx, nil)
			if err != nil {
				return nil, describe(appXO, "backup repository", err)
			}
			if it, ok, _ := find(items); ok { // a previous attempt's answer was lost: re-observe
				return nil, engine.Ambiguous(fmt.Errorf("xo backup repository %s exists already (id %s)", base, it.ID))
			}
			req := xo.NFSRepositoryRequest{Name: name, Server: w.server, Path: w.path, Options: "vers=4"}
			it, err := c.BackupRepositories.CreateNFS(ctx, req)
			if err != nil {
				return nil, describe(appXO, "backup repository", rpcWriteErr(err))
			}
			return engine.Outputs{"id": it.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w xoRemoteState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[xoRemoteState](cur)
			id, _ := cur.Outputs["id"].(string)
			var u xo.BackupRepositoryUpdate
			if have.Name != w.Name {
				u.Name = &w.Name
			}
			if have.URL != w.URL {
				u.URL = &w.URL
			}
			_, err := c.BackupRepositories.Update(ctx, id, u)
			return nil, describe(appXO, "backup repository", err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("xo backup repository %s: not managed by %s, kept", base, b.site.Name)
			}
			id, _ := cur.Outputs["id"].(string)
			return deleted(appXO, "backup repository", c.BackupRepositories.Delete(ctx, id))
		},
	})
}

// ── backup jobs (VM and metadata) ──────────────────────────────────────────────────────

// xoFindMarked returns the item named name (the marked name: managed) or, failing that,
// the one named base (unmarked: adopted by an update). nameOf returns "" for an item that
// must never match.
func xoFindMarked[T any](items []T, name, base string, nameOf func(T) string) (it T, found, managed bool) {
	for _, it := range items {
		if nameOf(it) == name {
			return it, true, true
		}
	}
	for _, it := range items {
		if nameOf(it) == base {
			return it, true, false
		}
	}
	return it, false, false
}

// xoScheduled is the state of a job with one schedule: the schedule's cron and whether it
// is enabled.
type xoScheduled interface {
	schedule() (cron string, enabled bool)
}

// xoScheduledJob describes an XO job kind with one schedule (VM backup job, metadata
// backup job) by what differs between kinds; xoJobResource runs what they share.
type xoScheduledJob[J any, S xoScheduled] struct {
	key        engine.Key
	what       string // "backup job <base>", for errors
	name, base string // marked and plain names
	coll       string // collection of the jobs, read through the plan's reader
	uses       []engine.Reference
	want       func(engine.Inputs) S
	list       func(context.Context, *xo.ListOptions) ([]J, error)
	idOf       func(J) string
	nameOf     func(J) string // "" for a job of another type
	// observed is the state of job j and its schedule sched (zero when it has none).
	observed func(j J, sched xo.Schedule) S
	create   func(ctx context.Context, w S) (id, sched string, err error)
	// update writes the job's fields that differ (not its schedule); sched may be "".
	update func(ctx context.Context, id, sched string, have, w S) error
	// scheduled, if set, completes a schedule created by an update (its retention).
	scheduled func(ctx context.Context, id, sched string, w S) error
	del       func(ctx context.Context, id string) error
}

// xoJobResource is the resource of job j: found by its marked name (else adopted under its
// plain name), observed with its schedule, created after checking that a previous
// attempt's answer was not lost, updated field by field then its schedule (created when
// missing), deleted only when managed. Outputs: id and schedule.
func xoJobResource[J any, S xoScheduled](b *build, j xoScheduledJob[J, S]) *engine.Func[S] {
	c := b.conns.XO
	find := func(items []J) (J, bool, bool) { return xoFindMarked(items, j.name, j.base, j.nameOf) }
	return &engine.Func[S]{
		ID:       j.key,
		Uses:     j.uses,
		Provides: []string{"id", "schedule"},
		WantFn:   j.want,
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			jobs, err := xoList(ctx, b, r, j.coll, j.list)
			if err != nil {
				return engine.NotFound(), err
			}
			job, ok, managed := find(jobs)
			if !ok {
				return engine.NotFound(), nil
			}
			scheds, err := xoList(ctx, b, r, xoCollScheds, c.Schedules.List)
			if err != nil {
				return engine.NotFound(), err
			}
			id := j.idOf(job)
			var sched xo.Schedule
			if i := slices.IndexFunc(scheds, func(s xo.Schedule) bool { return s.JobID == id }); i >= 0 {
				sched = scheds[i]
			}
			return engine.Found(j.observed(job, sched), managed, engine.Outputs{"id": id, "schedule": sched.ID}), nil
		},
		OnCreate: func(ctx context.Context, w S) (engine.Outputs, error) {
			jobs, err := j.list(ctx, nil)
			if err != nil {
				return nil, describe(appXO, j.what, err)
			}
			if job, ok, _ := find(jobs); ok { // a previous attempt's answer was lost
				return nil, engine.Ambiguous(fmt.Errorf("xo %s exists already (id %s)", j.what, j.idOf(job)))
			}
			id, sched, err := j.create(ctx, w)
			if err != nil {
				return nil, describe(appXO, j.what, rpcWriteErr(err))
			}
			return engine.Outputs{"id": id, "schedule": sched}, nil
		},
		OnUpdate: func(ctx context.Context, w S, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[S](cur)
			id, _ := cur.Outputs["id"].(string)
			sched, _ := cur.Outputs["schedule"].(string)
			if err := j.update(ctx, id, sched, have, w); err != nil {
				return nil, describe(appXO, j.what, err)
			}
			cron, enabled := w.schedule()
			haveCron, haveEnabled := have.schedule()
			switch {
			case sched == "":
				sc, err := c.Schedules.Create(ctx, id, xo.ScheduleSpec{Name: j.name, Cron: cron, Enabled: true})
				if err != nil {
					return nil, describe(appXO, j.what+" schedule", rpcWriteErr(err))
				}
				if j.scheduled != nil {
					if err := j.scheduled(ctx, id, sc.ID, w); err != nil {
						return nil, describe(appXO, j.what, err)
					}
				}
				return engine.Outputs{"id": id, "schedule": sc.ID}, nil
			case haveCron != cron || haveEnabled != enabled:
				if _, err := c.Schedules.Update(ctx, sched, xo.ScheduleUpdate{Cron: &cron, Enabled: &enabled}); err != nil {
					return nil, describe(appXO, j.what+" schedule", err)
				}
			}
			return nil, nil
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("xo %s: not managed by %s, kept", j.what, b.site.Name)
			}
			id, _ := cur.Outputs["id"].(string)
			return deleted(appXO, j.what, j.del(ctx, id))
		},
	}
}

type xoJobState struct {
	Name      string   `json:"name"`
	Mode      string   `json:"mode"`
	VMs       []string `json:"vms"`
	Remotes   []string `json:"remotes,omitempty"`
	SRs       []string `json:"srs,omitempty"`
	Cron      string   `json:"cron"`
	Retention int      `json:"retention"`
	Enabled   bool     `json:"enabled"`
}

func (s xoJobState) schedule() (string, bool) { return s.Cron, s.Enabled }

// xoPatternIDs returns the ids a pattern {"id": "a"} or {"id": {"__or": [...]}} selects.
func xoPatternIDs(p xo.Pattern) []string {
	var out []string
	switch v := p["id"].(type) {
	case string:
		out = []string{v}
	case map[string]any:
		if l, ok := v["__or"].([]any); ok {
			for _, x := range l {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
		if l, ok := v["__or"].([]string); ok {
			out = append(out, l...)
		}
	}
	sort.Strings(out)
	return out
}

// xoJob adds a delta backup job to the repository, or with a replication target host a
// continuous replication job to that host's SR.
func (b *build) xoJob(kind string, vmNames []string, cron string, keep int, targetHost string) {
	c := b.conns.XO
	replication := targetHost != ""
	// retention is the job's per-schedule retention: copies on the SR for a replication,
	// backups on the repository otherwise.
	retention := func(keep int) xo.Retention {
		if replication {
			return xo.Retention{Copy: keep}
		}
		return xo.Retention{Export: keep}
	}
	base := b.site.Name + "-" + kind
	name := b.xoMarkedName(base)
	var refs []engine.Reference
	var vmRefs []engine.Ref[string]
	for _, n := range vmNames {
		r := engine.Output[string](keyXOVM(n), "id")
		vmRefs = append(vmRefs, r)
		refs = append(refs, r)
	}
	var target engine.Ref[string]
	if replication {
		target = engine.Output[string](keyXOHost(targetHost), "sr")
	} else {
		target = engine.Output[string](keyXOBackupRepo(b.site.Name), "id")
	}
	refs = append(refs, target)
	want := func(in engine.Inputs) xoJobState {
		w := xoJobState{Name: name, Mode: "delta", Cron: cron, Retention: keep, Enabled: true, VMs: []string{}}
		for _, r := range vmRefs {
			if id, ok := r.Lookup(in); ok {
				w.VMs = append(w.VMs, id)
			}
		}
		sort.Strings(w.VMs)
		if t, ok := target.Lookup(in); ok {
			if replication {
				w.SRs = []string{t}
			} else {
				w.Remotes = []string{t}
			}
		}
		return w
	}
	b.add(xoJobResource(b, xoScheduledJob[xo.BackupJob, xoJobState]{
		key: engine.K(appXO, "backup-job", base), what: "backup job " + base, name: name, base: base,
		coll: xoCollJobs, uses: refs, want: want, list: c.BackupJobs.List,
		idOf: func(j xo.BackupJob) string { return j.ID },
		nameOf: func(j xo.BackupJob) string {
			if j.Type == "" || j.Type == "backup" {
				return j.Name
			}
			return "" // a metadata or mirror job
		},
		observed: func(j xo.BackupJob, sched xo.Schedule) xoJobState {
			st := xoJobState{Name: j.Name, Mode: j.Mode, VMs: nonNil(xoPatternIDs(j.VMs)), Remotes: xoPatternIDs(j.Remotes), SRs: xoPatternIDs(j.SRs),
				Cron: sched.Cron, Enabled: sched.Enabled}
			if raw, ok := j.Settings[sched.ID]; ok && sched.ID != "" {
				var ret xo.Retention
				if err := json.Unmarshal(raw, &ret); err == nil {
					st.Retention = ret.Export
					if replication {
						st.Retention = ret.Copy
					}
				}
			}
			return st
		},
		create: func(ctx context.Context, w xoJobState) (string, string, error) {
			req := xo.DeltaBackupJob(name, xo.IDs(w.VMs...), first(w.Remotes), cron, "", keep)
			if replication {
				req = xo.ContinuousReplicationJob(name, xo.IDs(w.VMs...), first(w.SRs), cron, "", keep)
			}
			job, err := c.BackupJobs.Create(ctx, req)
			return job.ID, job.Schedule.ID, err
		},
		update: func(ctx context.Context, id, sched string, have, w xoJobState) error {
			var u xo.BackupJobUpdate
			changed := false
			if have.Name != w.Name {
				u.Name, changed = &w.Name, true
			}
			if have.Mode != w.Mode {
				u.Mode, changed = &w.Mode, true
			}
			if !slices.Equal(have.VMs, w.VMs) {
				u.VMs, changed = xo.IDs(w.VMs...), true
			}
			if !slices.Equal(have.Remotes, w.Remotes) && len(w.Remotes) > 0 {
				u.Remotes, changed = xo.IDs(w.Remotes...), true
			}
			if !slices.Equal(have.SRs, w.SRs) && len(w.SRs) > 0 {
				u.SRs, changed = xo.IDs(w.SRs...), true
			}
			if have.Retention != w.Retention && sched != "" {
				u.Retention, changed = map[string]xo.Retention{sched: retention(w.Retention)}, true
			}
			if !changed {
				return nil
			}
			_, err := c.BackupJobs.Update(ctx, id, u)
			return err
		},
		// A schedule created by an update (the previous one was deleted by hand) has no
		// retention yet: set it.
		scheduled: func(ctx context.Context, id, sched string, w xoJobState) error {
			_, err := c.BackupJobs.Update(ctx, id, xo.BackupJobUpdate{Retention: map[string]xo.Retention{sched: retention(w.Retention)}})
			return err
		},
		del: c.BackupJobs.Delete,
	}))
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

type xoMetaJobState struct {
	Name          string   `json:"name"`
	Pools         []string `json:"pools"`
	XOMetadata    bool     `json:"xo_metadata"`
	Remotes       []string `json:"remotes"`
	Cron          string   `json:"cron"`
	RetentionPool int      `json:"retention_pool"`
	RetentionXO   int      `json:"retention_xo"`
	Enabled       bool     `json:"enabled"`
}

func (s xoMetaJobState) schedule() (string, bool) { return s.Cron, s.Enabled }

// xoMetadataJob adds the metadata backup job: the pool database of the site's pool(s) and
// the XO configuration, daily, to the backup repository on TrueNAS, keeping
// site.Backup.Retention backups of each.
func (b *build) xoMetadataJob() {
	c := b.conns.XO
	s := b.site
	base := s.Name + "-metadata"
	name := b.xoMarkedName(base)
	keep := max(s.Backup.Retention, 1)
	hosts := []string{s.Host.Name}
	if b.feat.SecondHost && s.StandbyHost.Name != "" && s.StandbyHost.Name != s.Host.Name {
		hosts = append(hosts, s.StandbyHost.Name)
	}
	var pools []engine.Ref[string]
	var refs []engine.Reference
	for _, h := range hosts {
		r := engine.Output[string](keyXOHost(h), "pool")
		pools, refs = append(pools, r), append(refs, r)
	}
	repo := engine.Output[string](keyXOBackupRepo(s.Name), "id")
	refs = append(refs, repo)
	want := func(in engine.Inputs) xoMetaJobState {
		w := xoMetaJobState{Name: name, Pools: []string{}, XOMetadata: true, Remotes: []string{}, Cron: xoMetadataCron,
			RetentionPool: keep, RetentionXO: keep, Enabled: true}
		for _, r := range pools {
			if id, ok := r.Lookup(in); ok && id != "" && !slices.Contains(w.Pools, id) {
				w.Pools = append(w.Pools, id)
			}
		}
		sort.Strings(w.Pools)
		if id, ok := repo.Lookup(in); ok && id != "" {
			w.Remotes = []string{id}
		}
		return w
	}
	b.add(xoJobResource(b, xoScheduledJob[xo.MetadataBackupJob, xoMetaJobState]{
		key: engine.K(appXO, "backup-job", base), what: "metadata backup job " + base, name: name, base: base,
		coll: xoCollMetaJobs, uses: refs, want: want, list: c.MetadataBackupJobs.List,
		idOf:   func(j xo.MetadataBackupJob) string { return j.ID },
		nameOf: func(j xo.MetadataBackupJob) string { return j.Name },
		observed: func(j xo.MetadataBackupJob, sched xo.Schedule) xoMetaJobState {
			st := xoMetaJobState{Name: j.Name, Pools: nonNil(j.PoolIDs()), XOMetadata: j.XOMetadata, Remotes: nonNil(j.RemoteIDs()),
				Cron: sched.Cron, Enabled: sched.Enabled}
			if ret, ok := j.RetentionOf(sched.ID); ok {
				st.RetentionPool, st.RetentionXO = ret.PoolMetadata, ret.XOMetadata
			}
			return st
		},
		create: func(ctx context.Context, w xoMetaJobState) (string, string, error) {
			job, err := c.MetadataBackupJobs.Create(ctx, xo.MetadataBackup(name, w.Pools, w.XOMetadata, first(w.Remotes), w.Cron, "", keep))
			return job.ID, job.Schedule.ID, err
		},
		update: func(ctx context.Context, id, sched string, have, w xoMetaJobState) error {
			var u xo.MetadataBackupJobUpdate
			changed := false
			if have.Name != w.Name {
				u.Name, changed = &w.Name, true
			}
			if !slices.Equal(have.Pools, w.Pools) {
				u.Pools, changed = w.Pools, true
			}
			if have.XOMetadata != w.XOMetadata {
				u.XOMetadata, changed = &w.XOMetadata, true
			}
			if !slices.Equal(have.Remotes, w.Remotes) && len(w.Remotes) > 0 {
				u.Remotes, changed = w.Remotes, true
			}
			if (have.RetentionPool != w.RetentionPool || have.RetentionXO != w.RetentionXO) && sched != "" {
				u.Retention = map[string]xo.MetadataRetention{sched: {PoolMetadata: w.RetentionPool, XOMetadata: w.RetentionXO}}
				changed = true
			}
			if !changed {
				return nil
			}
			_, err := c.MetadataBackupJobs.Update(ctx, id, u)
			return err
		},
		// A schedule created by an update has no retention yet: set it.
		scheduled: func(ctx context.Context, id, sched string, w xoMetaJobState) error {
			ret := map[string]xo.MetadataRetention{sched: {PoolMetadata: w.RetentionPool, XOMetadata: w.RetentionXO}}
			_, err := c.MetadataBackupJobs.Update(ctx, id, xo.MetadataBackupJobUpdate{Retention: ret})
			return err
		},
		del: c.MetadataBackupJobs.Delete,
	}))
}

// ── orphans: marked XO objects no longer in the site ───────────────────────────────────

// xoOrphanState is what an orphan shows in a plan (its delete has no desired state).
type xoOrphanState struct {
	ID     string `json:"id"`
	Marker string `json:"marker"`
}

// xoOrphan is a marked object found by a lister: observed by id in the shared list of its
// collection, deleted by del. after orders its delete before the deletes of those keys.
func (b *build) xoOrphan(key engine.Key, id string, after []engine.Key, exists func(ctx context.Context, r *engine.Reader) (bool, error), del func(ctx context.Context) error) engine.Resource {
	return &engine.Func[xoOrphanState]{
		ID:       key,
		After:    after,
		Provides: []string{"id"},
		Duration: estimates[appXO],
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			ok, err := exists(ctx, r)
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			return engine.Found(xoOrphanState{ID: id, Marker: b.marker}, true, engine.Outputs{"id": id}), nil
		},
		OnCreate: func(context.Context, xoOrphanState) (engine.Outputs, error) {
			return nil, fmt.Errorf("xo %s: an orphan is never created", key)
		},
		OnDelete: func(ctx context.Context, _ engine.Observed) error {
			return deleted(appXO, key.Kind+" "+key.Name, del(ctx))
		},
	}
}

// xoInList reports whether the shared list of coll holds an item with id.
func xoInList[T any](b *build, coll string, list func(context.Context, *xo.ListOptions) ([]T, error), idOf func(T) string, id string) func(context.Context, *engine.Reader) (bool, error) {
	return func(ctx context.Context, r *engine.Reader) (bool, error) {
		items, err := xoList(ctx, b, r, coll, list)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(items, func(it T) bool { return idOf(it) == id }), nil
	}
}

// xoNetworkKeys maps the id of every network carrying the marker to its key: the key of
// the site VLAN with the same tag when there is one (so the desired network is never
// taken for an orphan, whatever its label), else its label (suffixed with the tag if the
// label is the name of a site VLAN).
func (b *build) xoNetworkKeys(ctx context.Context, r *engine.Reader) (map[string]engine.Key, []xo.Network, error) {
	c := b.conns.XO
	nets, err := xoList(ctx, b, r, xoCollNets, c.Networks.List)
	if err != nil {
		return nil, nil, err
	}
	pifs, err := xoList(ctx, b, r, xoCollPIFs, c.PIFs.List)
	if err != nil {
		return nil, nil, err
	}
	vlanOf := map[string]int{}
	for _, p := range pifs {
		if p.Network != "" && int(p.VLAN) >= 0 {
			vlanOf[p.Network] = int(p.VLAN)
		}
	}
	siteByTag, siteByName := map[int]string{}, map[string]bool{}
	for _, v := range b.site.Network.VLANs {
		if v.OnHost {
			siteByTag[v.ID], siteByName[v.Name] = v.Name, true
		}
	}
	keys := map[string]engine.Key{}
	var marked []xo.Network
	for _, n := range nets {
		if !slices.Contains(n.Tags, b.marker) {
			continue
		}
		marked = append(marked, n)
		tag, tagged := vlanOf[n.ID]
		switch {
		case tagged && siteByTag[tag] != "":
			keys[n.ID] = keyXONetwork(siteByTag[tag])
		case siteByName[n.NameLabel] || n.NameLabel == "":
			keys[n.ID] = keyXONetwork(fmt.Sprintf("%s (vlan %d, %s)", n.NameLabel, tag, n.ID))
		default:
			keys[n.ID] = keyXONetwork(n.NameLabel)
		}
	}
	return keys, marked, nil
}

// xoListers registers the listers of marked XO objects: VMs and VLAN networks always, the
// backup repositories and jobs (VM and metadata) when TrueNAS is connected (without it the
// backups are not built, and must not be planned away). A marked object that is not in the
// graph is planned for deletion (a VM removed from the site); Destroy deletes them all.
// Each lister reads only collections the resources read anyway (no extra list per plan).
func (b *build) xoListers() {
	c := b.conns.XO
	b.g.AddLister(appXO, "network", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		keys, marked, err := b.xoNetworkKeys(ctx, r)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, n := range marked {
			id := n.ID
			out = append(out, b.xoOrphan(keys[id], id, nil,
				xoInList(b, xoCollNets, c.Networks.List, func(n xo.Network) string { return n.ID }, id),
				func(ctx context.Context) error { return c.Networks.Delete(ctx, id) }))
		}
		return out, nil
	})
	b.g.AddLister(appXO, "vm", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		vms, err := xoList(ctx, b, r, xoCollVMs, c.VMs.List)
		if err != nil {
			return nil, err
		}
		netKeys, _, err := b.xoNetworkKeys(ctx, r)
		if err != nil {
			return nil, err
		}
		vifs, err := xoList(ctx, b, r, xoCollVIFs, c.VIFs.List)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, x := range vms {
			if (x.Type != "" && x.Type != "VM") || !slices.Contains(x.Tags, b.marker) {
				continue
			}
			// Its delete runs before the deletes of the marked networks it is plugged into.
			var after []engine.Key
			for _, f := range vifs {
				if k, ok := netKeys[f.Network]; ok && f.VM == x.ID && !slices.Contains(after, k) {
					after = append(after, k)
				}
			}
			id := x.ID
			out = append(out, b.xoOrphan(keyXOVM(x.NameLabel), id, after,
				xoInList(b, xoCollVMs, c.VMs.List, func(v xo.VM) string { return v.ID }, id),
				func(ctx context.Context) error { return c.VMs.Delete(ctx, id) }))
		}
		return out, nil
	})
	if !b.has(appTrueNAS) {
		return
	}
	suffix := " [" + b.marker + "]"
	b.g.AddLister(appXO, "remote", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		repos, err := xoList(ctx, b, r, xoCollRemotes, c.BackupRepositories.List)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, it := range repos {
			base, ok := strings.CutSuffix(it.Name, suffix)
			if !ok || base == "" {
				continue
			}
			id := it.ID
			out = append(out, b.xoOrphan(engine.K(appXO, "remote", base), id, nil,
				xoInList(b, xoCollRemotes, c.BackupRepositories.List, func(v xo.BackupRepository) string { return v.ID }, id),
				func(ctx context.Context) error { return c.BackupRepositories.Delete(ctx, id) }))
		}
		return out, nil
	})
	b.g.AddLister(appXO, "backup-job", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		// REST /backup-jobs lists every type: VM jobs and metadata jobs in one call.
		jobs, err := xoList(ctx, b, r, xoCollJobs, c.BackupJobs.List)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, j := range jobs {
			base, ok := strings.CutSuffix(j.Name, suffix)
			if !ok || base == "" {
				continue
			}
			id := j.ID
			var del func(context.Context) error
			switch j.Type {
			case "", "backup":
				del = func(ctx context.Context) error { return c.BackupJobs.Delete(ctx, id) }
			case xo.MetadataBackupJobType:
				del = func(ctx context.Context) error { return c.MetadataBackupJobs.Delete(ctx, id) }
			default:
				continue // mirror jobs: sitekit never creates them
			}
			// A job goes before the repository it writes to (XO refuses to delete a
			// repository a job uses).
			out = append(out, b.xoOrphan(engine.K(appXO, "backup-job", base), id, []engine.Key{keyXOBackupRepo(b.site.Name)},
				xoInList(b, xoCollJobs, c.BackupJobs.List, func(v xo.BackupJob) string { return v.ID }, id), del))
		}
		return out, nil
	})
}

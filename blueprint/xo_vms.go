package blueprint

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/cloudinit"
)

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
	engine.Report(ctx, "waiting for VM %s to run (at most %s)", vm.Name, xoStartWait)
	sctx, cancelStart := context.WithTimeout(ctx, xoStartWait)
	defer cancelStart()
	x, err := c.VMs.WaitPowerState(sctx, id, xo.PowerRunning)
	if err != nil {
		if ctx.Err() == nil && sctx.Err() != nil {
			return nil, fmt.Errorf("xo VM %s failed: not running after %s, which never happened: %v", vm.Name, xoStartWait, err)
		}
		return nil, describe(appXO, "VM "+vm.Name+" start", err)
	}
	if linux {
		engine.Report(ctx, "waiting for VM %s to get its address in %s from cloud-init (at most %s)", vm.Name, v.Subnet, xoIPWait)
		wctx, cancel := context.WithTimeout(ctx, xoIPWait)
		defer cancel()
		if _, err := c.VMs.WaitForIP(wctx, id, v.Subnet); err != nil {
			if ctx.Err() == nil && wctx.Err() != nil {
				return nil, fmt.Errorf("xo VM %s failed: waited %s for an address in %s (cloud-init boot), which never came: %v", vm.Name, xoIPWait, v.Subnet, err)
			}
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
		ud, nc, err := b.xoCloudInit(ctx, vm, v)
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
func (b *build) xoCloudInit(ctx context.Context, vm VM, v VLAN) (userData, networkConfig string, err error) {
	s := b.site
	mgmt := v.Subnet
	if ms := s.Network.ByRole(RoleMgmt); len(ms) > 0 {
		mgmt = ms[0].Subnet.Masked()
	}
	var monitor netip.Addr
	var children []netip.Prefix
	for _, o := range s.VMs {
		switch {
		case o.Role == VMRoleMonitor:
			monitor = o.IP
		case o.OS == Debian12 && o.IP.IsValid():
			children = append(children, netip.PrefixFrom(o.IP, 32))
		}
	}
	var key sitekit.Secret
	if s.Credentials.NetdataStreamKey != "" {
		if key, err = b.secret(ctx, s.Credentials.NetdataStreamKey); err != nil {
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
	case vm.Role == VMRoleMonitor && !key.IsZero() && len(children) > 0:
		u, err := cloudinit.NetdataParent(cloudinit.NetdataParentOptions{Address: vm.IP, AllowFrom: []netip.Prefix{mgmt},
			Children: children, APIKey: key, Nodes: len(children) + 1})
		if err != nil {
			return "", "", err
		}
		parts = append(parts, u)
	case vm.Role == VMRoleWeb:
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

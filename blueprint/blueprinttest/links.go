package blueprinttest

import (
	"bufio"
	"context"
	"maps"
	"net"
	"strings"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/xo/cloudinit"
	"github.com/sitekit/sitekit/xo/xotest"
)

// link wires the simulators as the appliances of a site are wired (see the package
// documentation).
func (s *Site) link(ctx context.Context) error {
	if err := s.nameHost(); err != nil {
		return err
	}
	// EMS: the FortiGate's connector registers it as pending; its status follows the EMS.
	fc, err := s.FortiGate.Client()
	if err != nil {
		return err
	}
	st, err := fc.Monitor.Status(ctx)
	if err != nil {
		return err
	}
	s.EMS.AddPendingFortiGate(st.Serial, st.Hostname)
	ems := s.EMS
	s.FortiGate.SetEMSStatusFunc(func(_ int, _, serial string) string {
		if ems.IsAuthorized(serial) {
			return "success"
		}
		return "auth_pending"
	})
	// Netdata: a Linux VM whose cloud-init makes its agent stream to the parent streams once
	// it has started.
	parent, parentIP := netdataParent(s.site)
	nd := s.Netdata
	s.XO.OnVM(func(ev xotest.VMEvent) {
		if !ev.HasConfigDrive {
			return
		}
		host, ok := streamsTo(ev.ConfigDrive.UserData, parentIP)
		if !ok || host == parent {
			return
		}
		if host == "" {
			host = ev.Name
		}
		switch ev.State {
		case xotest.VMStarted:
			nd.AddChild(host)
			nd.SetChildStreaming(host, true)
		case xotest.VMHalted, xotest.VMDestroyed:
			nd.SetChildStreaming(host, false)
		}
	})
	return nil
}

// nameHost names the XO host after the site's host.
func (s *Site) nameHost() error {
	h := s.XO.Object("hosts", s.XO.HostID)
	if h == nil || s.site.Host.Name == "" {
		return nil
	}
	h["name_label"] = s.site.Host.Name
	s.XO.Put("hosts", h)
	if name := s.site.StandbyHost.Name; name != "" && name != s.site.Host.Name {
		// The second host of the offers that have one, in the same pool.
		standby := maps.Clone(h)
		standby["id"], standby["uuid"], standby["name_label"] = s.XO.HostID+"-standby", s.XO.HostID+"-standby", name
		standby["residentVms"] = []any{}
		s.XO.Put("hosts", standby)
	}
	return nil
}

// netdataParent returns the name and address of the site's Netdata parent: its first Debian
// VM with the "monitor" role ("monitor" and no address without one).
func netdataParent(site blueprint.Site) (name, ip string) {
	for _, vm := range site.VMs {
		if vm.OS == blueprint.Debian12 && vm.Role == "monitor" {
			return vm.Name, vm.IP.String()
		}
	}
	return "monitor", ""
}

// streamsTo reports whether the cloud-init user-data configures a Netdata agent streaming
// to parentIP, and the host name cloud-init gives the VM ("" when it sets none).
func streamsTo(userData, parentIP string) (hostname string, ok bool) {
	if parentIP == "" {
		return "", false
	}
	u, err := cloudinit.ParseUserData([]byte(userData))
	if err != nil {
		return "", false
	}
	for _, f := range u.WriteFiles {
		if f.Path != "/etc/netdata/stream.conf" || f.Encoding != "" {
			continue
		}
		enabled, dest := false, false
		sc := bufio.NewScanner(strings.NewReader(f.Content))
		for sc.Scan() {
			k, v, found := strings.Cut(sc.Text(), "=")
			if !found {
				continue
			}
			switch k, v = strings.TrimSpace(k), strings.TrimSpace(v); k {
			case "enabled":
				enabled = v == "yes"
			case "destination":
				// Netdata accepts several destinations: [PROTOCOL:]HOST[%IF][:PORT][:SSL].
				for _, d := range strings.Fields(v) {
					d = strings.TrimPrefix(strings.TrimPrefix(d, "tcp:"), "tcp4:")
					d = strings.TrimSuffix(d, ":SSL")
					if h, _, err := net.SplitHostPort(d); err == nil {
						d = h
					}
					dest = dest || d == parentIP
				}
			}
		}
		if enabled && dest {
			return u.Hostname, true
		}
	}
	return "", false
}

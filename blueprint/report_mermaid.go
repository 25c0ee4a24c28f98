package blueprint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The site report's pictures are Mermaid flowcharts: GitHub, GitLab and most wikis render a
// ```mermaid block in Markdown as a diagram, and the text stays readable where they do not.

// NetworkDiagram returns the site's network as a Mermaid flowchart (without the code fence):
// the internet, the FortiGate, one box per VLAN holding its VMs (or, for a VLAN without VM,
// its DHCP range or subnet), the TrueNAS the VMs are backed up to and the off-site copy.
func (bp *Blueprint) NetworkDiagram() string {
	s := bp.site
	var b strings.Builder
	b.WriteString("flowchart TB\n")
	fmt.Fprintf(&b, "  internet((%s))\n", mmLabel("Internet"))
	fmt.Fprintf(&b, "  fortigate{{%s}}\n", mmLabel(fmt.Sprintf("FortiGate<br/>%s %s", s.Network.WAN, s.Network.PublicIP)))
	b.WriteString("  internet --- fortigate\n")
	for _, v := range s.Network.VLANs {
		id := mmID("vlan", v.Name)
		fmt.Fprintf(&b, "  subgraph %s[%s]\n", id, mmLabel(fmt.Sprintf("%s · VLAN %d · %s", v.Name, v.ID, v.Subnet)))
		n := 0
		for _, vm := range s.VMs {
			if vm.VLAN != v.Name {
				continue
			}
			n++
			fmt.Fprintf(&b, "    %s[%s]\n", mmID("vm", vm.Name), mmLabel(fmt.Sprintf("%s<br/>%s · %s", vm.Name, vm.IP, vm.OS)))
		}
		if n == 0 {
			what := fmt.Sprintf("%s, gateway %s", v.Role, v.Gateway)
			if v.DHCPSize() > 0 {
				what = fmt.Sprintf("%s: DHCP %s–%s (%d)", v.Role, v.DHCPStart, v.DHCPEnd, v.DHCPSize())
			}
			fmt.Fprintf(&b, "    %s([%s])\n", mmID("clients", v.Name), mmLabel(what))
		}
		b.WriteString("  end\n")
		fmt.Fprintf(&b, "  fortigate --- %s\n", id)
	}
	fmt.Fprintf(&b, "  truenas[(%s)]\n", mmLabel("TrueNAS<br/>XO backups, snapshots"))
	backup := "nightly delta backup"
	if s.Backup.Delta != "" {
		backup = "delta backup " + s.Backup.Delta
	}
	if len(s.VMs) > 0 {
		fmt.Fprintf(&b, "  host[%s]\n", mmLabel(fmt.Sprintf("XCP-ng host %s<br/>runs the VMs", s.Host.Name)))
		fmt.Fprintf(&b, "  host -.->|%s| truenas\n", mmLabel(backup))
		if bp.feat.Replication && s.Backup.Replication != "" {
			target := "host"
			if bp.feat.SecondHost {
				target = "standby"
				fmt.Fprintf(&b, "  standby[%s]\n", mmLabel(fmt.Sprintf("XCP-ng host %s<br/>replicas", s.StandbyHost.Name)))
			}
			fmt.Fprintf(&b, "  host -.->|%s| %s\n", mmLabel("continuous replication "+s.Backup.Replication), target)
		}
	}
	if s.Offsite.Kind != "" {
		where := s.Offsite.Endpoint
		if s.Offsite.Bucket != "" {
			where += " " + s.Offsite.Bucket
		}
		fmt.Fprintf(&b, "  offsite[(%s)]\n", mmLabel(fmt.Sprintf("off-site %s<br/>%s", s.Offsite.Kind, where)))
		fmt.Fprintf(&b, "  truenas -.->|%s| offsite\n", mmLabel("copy "+s.Offsite.Schedule))
	}
	return b.String()
}

// ReachabilityDiagram returns the reachability matrix as a Mermaid flowchart (without the
// code fence): one node per zone, one arrow per pair of zones with the flows allowed
// (service→destination). From the FortiGate's actual policies when they were read, else the
// intended matrix. An arrow the intent does not have is drawn red and marked "not intended";
// an intended pair the policies do not open is drawn dashed and marked "missing".
func (c *Compliance) ReachabilityDiagram() string {
	matrix := c.Actual
	if matrix == nil {
		matrix = c.Intended
	}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, z := range c.Zones {
		shape := "[%s]"
		if z == zoneInternet {
			shape = "((%s))"
		}
		fmt.Fprintf(&b, "  %s"+shape+"\n", mmID("zone", z), mmLabel(z))
	}
	edge := 0
	var red []int
	for _, from := range c.Zones {
		for _, to := range c.Zones {
			if from == to {
				continue
			}
			k := from + "→" + to
			flows, want := matrix[k], c.Intended[k]
			if len(flows) > 0 {
				label := strings.Join(flows, "<br/>")
				if c.Actual != nil && !slices.Equal(flows, want) {
					label = "not intended: " + label
					red = append(red, edge)
				}
				fmt.Fprintf(&b, "  %s -->|%s| %s\n", mmID("zone", from), mmLabel(label), mmID("zone", to))
				edge++
			} else if c.Actual != nil && len(want) > 0 {
				fmt.Fprintf(&b, "  %s -.->|%s| %s\n", mmID("zone", from), mmLabel("missing: "+strings.Join(want, "<br/>")), mmID("zone", to))
				red = append(red, edge)
				edge++
			}
		}
	}
	for _, i := range red {
		fmt.Fprintf(&b, "  linkStyle %d stroke:#d00,color:#d00\n", i)
	}
	return b.String()
}

var mmIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9_]`)

// mmID returns a Mermaid node id for a name: letters, digits and underscores only.
func mmID(kind, name string) string {
	return kind + "_" + mmIDUnsafe.ReplaceAllStringFunc(name, func(r string) string { return fmt.Sprintf("_%x", r[0]) })
}

// mmLabel quotes a Mermaid label; quotes inside are written as the entity #quot;.
func mmLabel(s string) string { return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"` }

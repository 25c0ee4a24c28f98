package blueprint

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/fortigate"
)

// Report renders the site as Markdown: address plan, VLANs and policies, VMs, backups and
// compliance. With a result (after Apply) it adds the run summary and re-checks compliance
// live on the connected appliances; without, compliance is computed on the plan.
func (p *Plan) Report(ctx context.Context, res *engine.Result) (string, error) {
	comp := p.Compliance()
	if res != nil && res.Summary.Failed == 0 && res.Summary.Cancelled == 0 {
		live, err := p.bp.Audit(ctx, p.conns)
		if err != nil {
			return "", fmt.Errorf("report: live compliance check: %w", err)
		}
		comp = live
	}
	var b strings.Builder
	s := p.bp.site
	fmt.Fprintf(&b, "# Site %s — %s offer\n\n", s.Name, p.bp.tier)
	fmt.Fprintf(&b, "%d users × growth %.1f, host %s (%s, %d GiB RAM, %d threads, %d GiB disk). Marker: `%s`.\n\n",
		s.Users, s.Growth, s.Host.Name, s.Host.Model, s.Host.RAMGiB, s.Host.Threads, s.Host.DiskGiB, s.Marker())
	if res != nil {
		fmt.Fprintf(&b, "%s\n\n", res)
	}
	for _, a := range p.Omitted {
		fmt.Fprintf(&b, "> %s not connected: its objects are not part of this report.\n\n", a)
	}

	b.WriteString("## Address plan\n\n| VLAN | ID | role | subnet | gateway | DHCP | on host |\n|---|---|---|---|---|---|---|\n")
	for _, v := range s.Network.VLANs {
		dhcp := "—"
		if v.DHCPSize() > 0 {
			dhcp = fmt.Sprintf("%s–%s (%d)", v.DHCPStart, v.DHCPEnd, v.DHCPSize())
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s |\n", v.Name, v.ID, v.Role, v.Subnet, v.Gateway, dhcp, yes(v.OnHost))
	}
	fmt.Fprintf(&b, "\nWAN `%s`, public address %s, VLANs on `%s`.\n\n", s.Network.WAN, s.Network.PublicIP, s.Network.Port)

	b.WriteString("## Firewall policies (evaluation order)\n\n| # | name | from | to | source | destination | service | action | NAT | log |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for i, pol := range p.policies() {
		action := pol.Action
		if pol.ZTNAStatus == "enable" {
			action += " (ZTNA: " + strings.Join(fortigate.RefNames(pol.ZTNAEMSTag), ", ") + ")"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", i+1, pol.Name, names(pol.SrcIntf), names(pol.DstIntf),
			names(pol.SrcAddr), names(pol.DstAddr), names(pol.Service), action, pol.NAT, pol.LogTraffic)
	}
	b.WriteString("| — | implicit deny | any | any | all | all | ALL | deny | — | — |\n\n")

	replicates := p.bp.feat.Replication
	if replicates {
		b.WriteString("## Virtual machines\n\n| VM | OS | vCPU | RAM GiB | disk GiB | VLAN | address | ports | replicated |\n|---|---|---|---|---|---|---|---|---|\n")
	} else {
		b.WriteString("## Virtual machines\n\n| VM | OS | vCPU | RAM GiB | disk GiB | VLAN | address | ports |\n|---|---|---|---|---|---|---|---|\n")
	}
	ram, cpu, disk := 0, 0, 0
	for _, vm := range s.VMs {
		ports := make([]string, len(vm.Ports))
		for i, pt := range vm.Ports {
			ports[i] = fmt.Sprint(pt)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %s | %s | %s |", vm.Name, vm.OS, vm.CPUs, vm.RAMGiB, vm.DiskGiB, vm.VLAN, vm.IP,
			strings.Join(ports, " "))
		if replicates {
			fmt.Fprintf(&b, " %s |", yes(vm.Replicated && s.Backup.Replication != ""))
		}
		b.WriteString("\n")
		ram, cpu, disk = ram+vm.RAMGiB, cpu+vm.CPUs, disk+vm.DiskGiB
	}
	fmt.Fprintf(&b, "\nTotal %d vCPU / %d threads, %d GiB RAM / %d GiB (dom0 %d GiB, %.0f%% headroom), %d GiB disk / %d GiB.\n\n",
		cpu, s.Host.Threads, ram, s.Host.RAMGiB, s.Host.Dom0RAMGiB, s.Host.Headroom*100, disk, s.Host.DiskGiB)

	b.WriteString("## Backups\n\n")
	bk := s.Backup
	fmt.Fprintf(&b, "- XO delta backup `%s`, %d kept, to the TrueNAS NFS share `%s`\n", bk.Delta, bk.Retention, nfsBackupShare)
	if bk.Replication != "" {
		fmt.Fprintf(&b, "- XO continuous replication `%s`, %d replicas kept\n", bk.Replication, bk.ReplicationRetention)
	}
	if bk.Metadata && p.bp.feat.Metadata {
		b.WriteString("- XO and pool metadata backup\n")
	}
	fmt.Fprintf(&b, "- TrueNAS snapshots `%s`, kept %d days\n", bk.Snapshots, bk.SnapshotLifetimeDays)
	fmt.Fprintf(&b, "- off-site %s to %s %s `%s`\n\n", s.Offsite.Kind, s.Offsite.Endpoint, s.Offsite.Bucket, s.Offsite.Schedule)

	b.WriteString(comp.Markdown())
	return b.String(), nil
}

// policies returns the desired FortiGate policies in evaluation order.
func (p *Plan) policies() []fortigate.Policy {
	var pols []fortigate.Policy
	var order []string
	for _, st := range p.Steps {
		switch {
		case st.Key.Appliance == appFortiGate && st.Key.Kind == "policy" && st.Action != engine.ActionDelete:
			var pol fortigate.Policy
			if json.Unmarshal(st.Desired, &pol) == nil {
				pols = append(pols, pol)
			}
		case st.Key.Appliance == appFortiGate && st.Key.Kind == "policy-order":
			var o policyOrder
			_ = json.Unmarshal(st.Desired, &o)
			order = o.Order
		}
	}
	slices.SortStableFunc(pols, func(a, b fortigate.Policy) int { return slices.Index(order, a.Name) - slices.Index(order, b.Name) })
	return pols
}

// Markdown renders the compliance checks: findings, the reachability matrix, recovery
// objectives.
func (c *Compliance) Markdown() string {
	var b strings.Builder
	status := "all checks pass"
	if f := c.Failed(); len(f) > 0 {
		status = fmt.Sprintf("%d of %d checks fail", len(f), len(c.Findings))
	}
	if l := c.Limits(); len(l) > 0 {
		status += fmt.Sprintf(", %d not offered by design", len(l))
	}
	fmt.Fprintf(&b, "## Compliance (%s): %s\n\n| check | result | detail |\n|---|---|---|\n", c.Source, status)
	for _, f := range c.Findings {
		result := map[bool]string{true: "ok", false: "**FAIL**"}[f.OK]
		if f.ByDesign {
			result = "by design"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", f.Check, result, mdCell(f.Detail))
	}
	matrix := c.Actual
	label := "actual (FortiGate policies)"
	if matrix == nil {
		matrix, label = c.Intended, "intended"
	}
	fmt.Fprintf(&b, "\n### Reachability, %s\n\nRows: from; columns: to. Cells: service→destination allowed; — denied.\n\n| from \\ to |", label)
	for _, z := range c.Zones {
		fmt.Fprintf(&b, " %s |", z)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(c.Zones)) + "\n")
	for _, from := range c.Zones {
		fmt.Fprintf(&b, "| **%s** |", from)
		for _, to := range c.Zones {
			cell := "—"
			if from == to {
				cell = "·"
			} else if f := matrix[from+"→"+to]; len(f) > 0 {
				cell = strings.Join(f, "<br>")
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n### Recovery objectives\n\n| scenario | RPO | RTO | how |\n|---|---|---|---|\n")
	for _, o := range c.Objectives {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", o.Scenario, human(o.RPO), human(o.RTO), o.Note)
	}
	return b.String()
}

func names(refs []fortigate.Ref) string { return strings.Join(fortigate.RefNames(refs), ", ") }

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

package blueprint

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/sitekit/sitekit"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/fortigate"
)

// Compliance is what no other tool gives: the site checked against the rules an MSP
// promises (3-2-1, isolation, recovery objectives, licences), from a plan ([Plan.Compliance])
// or from the appliances themselves ([Blueprint.Audit]).
type Compliance struct {
	Site string `json:"site"`
	Tier Tier   `json:"tier"`
	// Source is "plan" (desired state) or "live" (read from the appliances).
	Source string `json:"source"`
	// Backup is the 3-2-1 assessment.
	Backup Rule321 `json:"backup"`
	// Zones are the rows and columns of the reachability matrices, in order
	// ("internet" then the VLANs).
	Zones []string `json:"zones"`
	// Intended and Actual map "from→to" to the sorted "service→destination" flows allowed.
	Intended map[string][]string `json:"intended"`
	Actual   map[string][]string `json:"actual"`
	// Objectives are the RPO/RTO estimates per failure scenario.
	Objectives []Objective `json:"objectives"`
	// Seats compares EMS licences with users × growth (Licensed -1: not read).
	Seats Seats `json:"seats"`
	// Findings are the individual checks, failed ones first.
	Findings []Finding `json:"findings"`
}

// Rule321 counts copies, media and off-site copies of the VM data.
type Rule321 struct {
	Copies  int      `json:"copies"`
	Media   []string `json:"media"`
	Offsite bool     `json:"offsite"`
	// Where lists each copy.
	Where []string `json:"where"`
}

// Objective is a recovery estimate for one failure scenario.
type Objective struct {
	Scenario string        `json:"scenario"`
	RPO      time.Duration `json:"rpo_ns"`
	RTO      time.Duration `json:"rto_ns"`
	Note     string        `json:"note,omitempty"`
}

// Seats compares EMS licences with the endpoints to cover.
type Seats struct {
	Needed   int `json:"needed"`
	Licensed int `json:"licensed"`
}

// Finding is one check.
type Finding struct {
	Check string `json:"check"`
	OK    bool   `json:"ok"`
	// ByDesign marks a promise the tier does not make (RTO ≈ 0 on host loss below
	// Premium): not OK, yet not a failure of the site. Failed and Status leave it out.
	ByDesign bool   `json:"by_design,omitempty"`
	Detail   string `json:"detail"`
}

// OK reports whether every finding passed (limits of the tier aside).
func (c *Compliance) OK() bool { return len(c.Failed()) == 0 }

// Failed returns the failed findings, limits of the tier ([Finding.ByDesign]) excluded.
func (c *Compliance) Failed() []Finding {
	var out []Finding
	for _, f := range c.Findings {
		if !f.OK && !f.ByDesign {
			out = append(out, f)
		}
	}
	return out
}

// Limits returns the findings that are limits of the tier, not failures.
func (c *Compliance) Limits() []Finding {
	var out []Finding
	for _, f := range c.Findings {
		if f.ByDesign {
			out = append(out, f)
		}
	}
	return out
}

// Status is [StatusCritical] when a check failed, else [StatusOK].
func (c *Compliance) Status() Status {
	if len(c.Failed()) > 0 {
		return StatusCritical
	}
	return StatusOK
}

// Summary is one line for an unattended run's first output line: status, site, counts
// and the first failed check.
func (c *Compliance) Summary() string {
	failed := c.Failed()
	s := fmt.Sprintf("%s: compliance of %s (%s, %s): %d checks, %d failed, %d tier limits", c.Status(), c.Site, c.Tier, c.Source,
		len(c.Findings), len(failed), len(c.Limits()))
	if len(failed) > 0 {
		s += "; first: " + failed[0].Check + ": " + failed[0].Detail
	}
	return s
}

const zoneInternet = "internet"

// Compliance computes the checks on the plan's desired state: the policies the plan
// converges to, the backups it configures, the EMS licence read while planning.
func (p *Plan) Compliance() *Compliance {
	var pols []fortigate.Policy
	for _, s := range p.Steps {
		if s.Key.Appliance == appFortiGate && s.Key.Kind == "policy" && s.Action != engine.ActionDelete {
			var pol fortigate.Policy
			if json.Unmarshal(s.Desired, &pol) == nil {
				pols = append(pols, pol)
			}
		}
	}
	kinds := map[string]bool{}
	for _, s := range p.Steps {
		if s.Action != engine.ActionDelete {
			kinds[s.Key.Appliance+"/"+s.Key.Kind] = true
		}
	}
	c := p.bp.compliance("plan", pols, p.conns.FortiGate != nil, kinds, p.license)
	c.addWarnings(p.Warnings)
	return c
}

// addWarnings turns the plan's warnings into a failed finding (none: a passing one).
func (c *Compliance) addWarnings(ws []string) {
	f := Finding{Check: "no conflict with existing objects", OK: len(ws) == 0, Detail: orNone(ws, "none seen while planning")}
	if f.OK {
		c.Findings = append(c.Findings, f)
	} else {
		c.Findings = append([]Finding{f}, c.Findings...)
	}
}

// Audit checks the site live against the promises of the blueprint's tier: the
// reachability matrix from the FortiGate's actual policies (every policy, managed or not),
// the backup objects that exist on XO and TrueNAS (a read-only plan), and the EMS licence.
// It writes nothing.
func (bp *Blueprint) Audit(ctx context.Context, conns Connections) (*Compliance, error) {
	p, err := bp.Plan(ctx, conns)
	if err != nil {
		return nil, err
	}
	var pols []fortigate.Policy
	if conns.FortiGate != nil {
		if pols, err = conns.FortiGate.Policies.List(ctx, nil); err != nil {
			return nil, fmt.Errorf("read FortiGate policies: %w", err)
		}
	}
	existing := map[string]bool{}
	for _, s := range p.Steps {
		if s.Action == engine.ActionNoop || s.Action == engine.ActionUpdate {
			existing[s.Key.Appliance+"/"+s.Key.Kind] = true
		}
	}
	c := bp.compliance("live", pols, conns.FortiGate != nil, existing, p.license)
	c.addWarnings(p.Warnings)
	return c, nil
}

// license is the EMS licence read while planning (nil when EMS is not connected).
type licenseInfo struct {
	seats int
	err   error
}

func readLicense(ctx context.Context, c *ems.Client) *licenseInfo {
	if c == nil {
		return nil
	}
	l, err := c.System.License(ctx)
	if err != nil {
		return &licenseInfo{err: err}
	}
	best := 0
	for kind, n := range l.Seats {
		k := strings.ToLower(kind)
		if strings.Contains(k, "ztna") || strings.Contains(k, "epp") || strings.Contains(k, "fabric") || strings.Contains(k, "endpoint") {
			best = max(best, n)
		}
	}
	if best == 0 {
		for _, n := range l.Seats {
			best = max(best, n)
		}
	}
	return &licenseInfo{seats: best}
}

func (bp *Blueprint) compliance(source string, pols []fortigate.Policy, haveFGT bool, kinds map[string]bool, lic *licenseInfo) *Compliance {
	s := bp.site
	c := &Compliance{Site: s.Name, Tier: bp.tier, Source: source}
	add := func(check string, ok bool, format string, args ...any) {
		c.Findings = append(c.Findings, Finding{Check: check, OK: ok, Detail: fmt.Sprintf(format, args...)})
	}

	// 3-2-1.
	c.Backup.Where = []string{fmt.Sprintf("production: VM disks on %s (local NVMe SR)", s.Host.Name)}
	c.Backup.Media = []string{"host NVMe"}
	if kinds[appXO+"/backup-job"] && kinds[appTrueNAS+"/nfs-share"] {
		c.Backup.Where = append(c.Backup.Where, fmt.Sprintf("XO delta backup (%s, %d kept) on the TrueNAS NFS share", s.Backup.Delta, s.Backup.Retention))
		c.Backup.Media = append(c.Backup.Media, "TrueNAS disks")
	}
	offsiteKind := ""
	for k := range kinds {
		if strings.HasPrefix(k, appTrueNAS+"/") && (strings.Contains(k, "cloudsync") || strings.Contains(k, "cloud-sync") || strings.Contains(k, "replication")) {
			offsiteKind = k
		}
	}
	if offsiteKind != "" && s.Offsite.Kind != "" {
		c.Backup.Offsite = true
		media := "S3 object storage"
		if s.Offsite.Kind == OffsiteReplication {
			media = "remote NAS"
		}
		c.Backup.Where = append(c.Backup.Where, fmt.Sprintf("off-site %s to %s (%s)", s.Offsite.Kind, s.Offsite.Endpoint, s.Offsite.Schedule))
		c.Backup.Media = append(c.Backup.Media, media)
	}
	c.Backup.Copies = len(c.Backup.Where)
	add("3-2-1: three copies", c.Backup.Copies >= 3, "%d copies: %s", c.Backup.Copies, strings.Join(c.Backup.Where, "; "))
	add("3-2-1: two media", len(c.Backup.Media) >= 2, "media: %s", strings.Join(c.Backup.Media, ", "))
	add("3-2-1: one off-site", c.Backup.Offsite, "off-site copy %s", map[bool]string{true: "configured", false: "missing"}[c.Backup.Offsite])

	// Reachability.
	c.Zones = append([]string{zoneInternet}, vlanNames(s)...)
	c.Intended = bp.intendedFlows()
	if haveFGT {
		var by map[string][]string
		c.Actual, by = actualFlowsBy(s, pols)
		// culprits names the policies allowing what the intent does not, on pair k.
		culprits := func(k string) string {
			extra := slices.DeleteFunc(slices.Clone(c.Actual[k]), func(f string) bool { return slices.Contains(c.Intended[k], f) })
			if len(extra) == 0 {
				return ""
			}
			var names []string
			for _, p := range pols {
				if slices.Contains(by[k], p.Name) && allows(s, p, k, extra) {
					names = append(names, p.Name)
				}
			}
			if len(names) == 0 {
				return ""
			}
			return " (policy " + strings.Join(names, ", ") + ")"
		}
		var diffs []string
		for _, k := range unionKeys(c.Intended, c.Actual) {
			if !slices.Equal(c.Intended[k], c.Actual[k]) {
				diffs = append(diffs, fmt.Sprintf("%s: intended [%s], actual [%s]%s", k, strings.Join(c.Intended[k], ", "), strings.Join(c.Actual[k], ", "), culprits(k)))
			}
		}
		add("VLAN matrix matches the intent", len(diffs) == 0, "%s", orNone(diffs, "every zone pair allows exactly the intended flows"))
		for _, g := range s.Network.ByRole(RoleGuests) {
			var bad []string
			for _, z := range c.Zones {
				if k := g.Name + "→" + z; z != zoneInternet && len(c.Actual[k]) > 0 {
					bad = append(bad, z+culprits(k))
				}
			}
			add("guests reach only the internet", len(bad) == 0, "%s → %s", g.Name, orNone(bad, "internet only"))
		}
		if erp, ok := s.VMByRole(VMRoleERP); ok {
			n := fgNames{s.Name}
			allowed := n.erpService() + "→" + n.host(erp.Name)
			for _, u := range s.Network.ByRole(RoleUsers) {
				flows := c.Actual[u.Name+"→"+erp.VLAN]
				extra := slices.DeleteFunc(slices.Clone(flows), func(f string) bool { return f == allowed })
				add(fmt.Sprintf("%s reaches the ERP only on its service", u.Name), len(extra) == 0 && slices.Contains(flows, allowed),
					"%s → %s: [%s] (want exactly %s)%s", u.Name, erp.VLAN, strings.Join(flows, ", "), allowed, culprits(u.Name+"→"+erp.VLAN))
			}
		}
	} else {
		add("VLAN matrix matches the intent", false, "FortiGate not connected: matrix not computed")
	}

	// RPO/RTO.
	c.Objectives = bp.objectives()
	for _, o := range c.Objectives {
		add("RPO/RTO: "+o.Scenario, true, "RPO %s, RTO %s. %s", human(o.RPO), human(o.RTO), o.Note)
	}
	if !bp.feat.SecondHost {
		detail := "one XCP-ng host and no replication in the " + string(bp.tier) + " offer: a lost host is replaced and the VMs restored from TrueNAS; Premium adds a second host"
		if bp.feat.Replication {
			detail = "the replicas live on the one XCP-ng host: a second host (Premium) is needed for them to start elsewhere"
		}
		c.Findings = append(c.Findings, Finding{Check: "RTO ≈ 0 on host loss", ByDesign: true, Detail: detail})
	}

	// EMS seats.
	c.Seats = Seats{Needed: int(math.Ceil(float64(s.Users) * s.Growth)), Licensed: -1}
	switch {
	case !bp.feat.EMS:
		add("EMS seats ≥ users × growth", true, "no EMS in the %s offer", bp.tier)
	case lic == nil:
		add("EMS seats ≥ users × growth", false, "EMS not connected: %d seats needed, licence not read", c.Seats.Needed)
	case lic.err != nil:
		add("EMS seats ≥ users × growth", false, "licence unreadable: %v", lic.err)
	default:
		c.Seats.Licensed = lic.seats
		add("EMS seats ≥ users × growth", lic.seats >= c.Seats.Needed, "%d licensed, %d users × growth %.1f = %d needed", lic.seats, s.Users, s.Growth, c.Seats.Needed)
	}
	// Failures first, then the tier's limits, then what passed.
	rank := func(f Finding) int {
		switch {
		case f.ByDesign:
			return 1
		case !f.OK:
			return 0
		}
		return 2
	}
	slices.SortStableFunc(c.Findings, func(a, b Finding) int { return rank(a) - rank(b) })
	return c
}

func vlanNames(s Site) []string {
	var out []string
	for _, v := range s.Network.VLANs {
		out = append(out, v.Name)
	}
	return out
}

// intendedFlows derives the reachability the site promises from VLAN roles alone (not from
// the policies the FortiGate code generates): users reach the internet and the ERP on its
// service, guests only the internet, the internet only the web server (HTTPS) and, through
// ZTNA, the teleworkers' services, mgmt administers servers and DMZ, Linux VMs stream to the
// Netdata parent. Everything else is denied.
func (bp *Blueprint) intendedFlows() map[string][]string {
	s, n := bp.site, fgNames{bp.site.Name}
	m := map[string][]string{}
	allow := func(from, to, flow string) { m[from+"→"+to] = append(m[from+"→"+to], flow) }
	erp, hasERP := bp.site.VMByRole(VMRoleERP)
	for _, v := range s.Network.VLANs {
		switch v.Role {
		case RoleUsers:
			allow(v.Name, zoneInternet, fgAny+"→"+fgAll)
			if hasERP && servicePorts(erp.Ports, 3389, 22) != "" {
				allow(v.Name, erp.VLAN, n.erpService()+"→"+n.host(erp.Name))
			}
		case RoleGuests:
			allow(v.Name, zoneInternet, fgAny+"→"+fgAll)
		case RoleMgmt:
			for _, d := range s.Network.VLANs {
				if d.Role == RoleServers || d.Role == RoleDMZ {
					allow(v.Name, d.Name, n.adminService()+"→"+n.net(d.Name))
				}
			}
		}
	}
	if web, ok := s.VMByRole(VMRoleWeb); ok && s.Network.PublicIP.IsValid() {
		allow(zoneInternet, web.VLAN, n.httpsService()+"→"+n.webVIP())
	}
	if bp.feat.ZTNA && s.Teleworkers.Enabled && s.Network.PublicIP.IsValid() {
		for _, name := range s.Teleworkers.Services {
			if vm, ok := s.VM(name); ok {
				allow(zoneInternet, vm.VLAN, fgAny+"→"+n.ztnaVIP()+" (ZTNA "+n.ztnaTag()+")")
			}
		}
	}
	if mon, ok := s.VMByRole(VMRoleMonitor); ok {
		for _, vm := range s.VMs {
			if vm.OS == Debian12 && vm.Name != mon.Name && vm.VLAN != mon.VLAN {
				allow(vm.VLAN, mon.VLAN, n.netdataService()+"→"+n.host(mon.Name))
			}
		}
	}
	for k, v := range m {
		slices.Sort(v)
		m[k] = slices.Compact(v)
	}
	return m
}

// actualFlows computes the reachability matrix from policies as FortiOS holds them: every
// enabled accept policy allows its services to its destinations for each (source interface,
// destination interface) pair; "any" matches every zone. Deny policies only remove what
// they shadow exactly (same pair, service and destination earlier in the table).
func actualFlows(s Site, pols []fortigate.Policy) map[string][]string {
	m, _ := actualFlowsBy(s, pols)
	return m
}

// actualFlowsBy is actualFlows with, for each "from→to" pair, the names of the policies
// allowing something there.
func actualFlowsBy(s Site, pols []fortigate.Policy) (map[string][]string, map[string][]string) {
	zones := append([]string{zoneInternet}, vlanNames(s)...)
	zoneOf := func(intf string) []string {
		switch {
		case intf == "any":
			return zones
		case intf == s.Network.WAN:
			return []string{zoneInternet}
		}
		if _, ok := s.Network.VLAN(intf); ok {
			return []string{intf}
		}
		return nil
	}
	// Where the site's own addresses live: a destination known to sit in one zone only
	// counts for that zone (a policy to servers and DMZ with both subnets does not let the
	// DMZ address be reached through the servers interface).
	n := fgNames{s.Name}
	zoneOfAddr := map[string]string{}
	for _, v := range s.Network.VLANs {
		zoneOfAddr[n.net(v.Name)] = v.Name
	}
	for _, vm := range s.VMs {
		zoneOfAddr[n.host(vm.Name)] = vm.VLAN
	}
	if web, ok := s.VMByRole(VMRoleWeb); ok {
		zoneOfAddr[n.webVIP()] = web.VLAN
	}
	m := map[string][]string{}
	by := map[string][]string{}
	denied := map[string]bool{}
	for _, p := range pols {
		if p.Status == "disable" {
			continue
		}
		for _, si := range p.SrcIntf {
			for _, from := range zoneOf(si.Name) {
				for _, di := range p.DstIntf {
					for _, to := range zoneOf(di.Name) {
						if from == to {
							continue
						}
						for _, svc := range p.Service {
							for _, dst := range p.DstAddr {
								if z, ok := zoneOfAddr[dst.Name]; ok && z != to {
									continue
								}
								flow := svc.Name + "→" + dst.Name
								if p.ZTNAStatus == "enable" {
									flow += " (ZTNA " + strings.Join(fortigate.RefNames(p.ZTNAEMSTag), ",") + ")"
								}
								k := from + "→" + to
								if p.Action == "deny" {
									denied[k+"|"+flow] = true
									continue
								}
								if !denied[k+"|"+flow] {
									m[k] = append(m[k], flow)
									if !slices.Contains(by[k], p.Name) {
										by[k] = append(by[k], p.Name)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	for k, v := range m {
		slices.Sort(v)
		m[k] = slices.Compact(v)
	}
	return m, by
}

func unionKeys(a, b map[string][]string) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func orNone(list []string, none string) string {
	if len(list) == 0 {
		return none
	}
	return strings.Join(list, "; ")
}

// Recovery assumptions (documented in the package doc).
const (
	restoreGiBPerMin  = 10 // NFS restore from TrueNAS over 10 GbE (~170 MB/s sustained)
	replicaStart      = 5 * time.Minute
	hardwareReplace   = 4 * time.Hour // NBD/4h hardware support contract
	offsiteRestoreDay = 24 * time.Hour
)

// objectives estimates RPO and RTO per scenario from the schedules of the backup policy.
func (bp *Blueprint) objectives() []Objective {
	s := bp.site
	delta := cronInterval(s.Backup.Delta)
	disk := 0
	for _, vm := range s.VMs {
		disk = max(disk, vm.DiskGiB)
	}
	restore := time.Duration(disk/restoreGiBPerMin)*time.Minute + 15*time.Minute
	var out []Objective
	// One VM lost or corrupted, host fine.
	if bp.feat.Replication && s.Backup.Replication != "" {
		out = append(out, Objective{Scenario: "one VM lost or corrupted", RPO: cronInterval(s.Backup.Replication), RTO: replicaStart,
			Note: "start the latest continuous-replication replica"})
	} else {
		out = append(out, Objective{Scenario: "one VM lost or corrupted", RPO: delta, RTO: restore,
			Note: fmt.Sprintf("restore the nightly delta backup of the largest VM (%d GiB) from TrueNAS", disk)})
	}
	// Host lost.
	if bp.feat.SecondHost {
		out = append(out, Objective{Scenario: "XCP-ng host lost", RPO: cronInterval(s.Backup.Replication), RTO: replicaStart,
			Note: fmt.Sprintf("replicas start on the second host %s", s.StandbyHost.Name)})
	} else {
		note := "replace the hardware, then restore from TrueNAS. RTO ≈ 0 needs a second host (Premium)"
		if bp.feat.Replication {
			note = "replicas live on the same host: " + note
		}
		out = append(out, Objective{Scenario: "XCP-ng host lost", RPO: delta, RTO: hardwareReplace + restore, Note: note})
	}
	// Site lost.
	off := cronInterval(s.Offsite.Schedule)
	out = append(out, Objective{Scenario: "site lost (fire, theft, ransomware on the LAN)", RPO: delta + off, RTO: hardwareReplace + offsiteRestoreDay,
		Note: "new hardware, then restore from the off-site copy"})
	return out
}

// cronInterval returns the longest gap between two runs of a cron expression over a year
// (the RPO of a backup on that schedule), 0 when the expression does not parse.
func cronInterval(expr string) time.Duration {
	sched, err := sitekit.ParseCron(expr)
	if err != nil {
		return 0
	}
	return sched.Interval()
}

// human renders a duration the way an MSP says it ("15 min", "4 h", "2 days").
func human(d time.Duration) string {
	switch {
	case d <= 0:
		return "n/a"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h := d.Hours()
		if h == math.Trunc(h) {
			return fmt.Sprintf("%d h", int(h))
		}
		return fmt.Sprintf("%.1f h", h)
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

// allows reports whether policy p alone allows one of flows on the pair k ("from→to").
func allows(s Site, p fortigate.Policy, k string, flows []string) bool {
	got := actualFlows(s, []fortigate.Policy{p})[k]
	return slices.ContainsFunc(flows, func(f string) bool { return slices.Contains(got, f) })
}

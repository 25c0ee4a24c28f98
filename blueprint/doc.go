// Package blueprint declares a client site as Go code and converges the five appliances to it.
//
// A [Site] is data (users, growth, address plan, host, VMs, backup policy, off-site target,
// teleworkers). [Site.Validate] reports every problem at once, each naming the field and the
// value, before anything is sent to an appliance.
//
// # Usage
//
//	site := blueprint.Site{Name: "pv-pessac", Users: 50, Growth: 2,
//		Network: blueprint.DefaultNetwork("10.10.0.0/16"), Offsite: …}
//	bp, err := blueprint.Standard(site)          // validates; builds nothing on error
//	conns := blueprint.Connections{FortiGate: fgt, XO: xoc, EMS: emsc, TrueNAS: nas, Netdata: nd}
//	plan, err := bp.Plan(ctx, conns)             // reads only: the drift report
//	fmt.Print(plan)                              // plan.JSON() for machines
//	res, err := plan.Apply(ctx, blueprint.WithEvents(engine.NewProgress(os.Stderr).Event))
//	report, err := plan.Report(ctx, res)         // Markdown: address plan, policies, VMs, backups, compliance
//
// A nil client in [Connections] leaves that appliance out: its resources are not in the
// graph and the plan says so ([Plan.Omitted]). Re-planning after a successful apply gives an
// empty plan; [Blueprint.Destroy] deletes only the objects carrying the site's marker
// ("managed-by sitekit:<site>", in FortiOS comments, XO tags, TrueNAS comments, EMS
// comments; where an API has no free-text field the object's site-prefixed name is its
// marker: EMS groups, the FortiGate EMS connector, DHCP servers and access proxies follow
// their interface or VIP).
//
// # The three offers side by side
//
//	                     Basse                   Standard                            Premium
//	FortiGate            VLANs, DHCP, addresses, same, plus EMS connector and        same as Standard
//	                     policies, web VIP        ZTNA access to the ERP
//	EMS                  —                        department groups, "compliant"      same
//	                                              ZTNA tag (AV running, OS patched),
//	                                              FortiGate authorized
//	XO                   networks, 4 VMs,         same, plus continuous replication   replication to the
//	                     nightly delta backup     (15 min) and metadata backup        second host (StandbyHost)
//	TrueNAS              NFS backup share, SMB    same                                same
//	                     shares, snapshots,
//	                     off-site copy
//	Netdata              health gates             health gates                        health gates
//	RPO one VM lost      24 h (nightly delta)     15 min (replica)                    15 min
//	RTO one VM lost      ~1 h (restore 500 GiB)   5 min (start the replica)           5 min
//	RPO/RTO host lost    24 h / ~5 h (hardware    24 h / ~5 h: replicas are on the    15 min / 5 min
//	                     + restore)               same host. RTO ≈ 0 needs a second
//	                                              host: that is Premium
//	RPO/RTO site lost    ~2 days / ~28 h          ~2 days / ~28 h                     ~2 days / ~28 h
//
// Recovery figures are estimates computed by [Plan.Compliance] from the site's schedules,
// assuming restores at 10 GiB/min from TrueNAS, 5 minutes to start a replica, 4 hours to
// replace hardware under a next-business-day contract and one day to restore off-site.
//
// # Compliance
//
// [Blueprint.Audit] (live) and [Plan.Compliance] (desired state) verify: the 3-2-1 rule (copies,
// media, off-site), the VLAN reachability matrix computed from the FortiGate's actual
// policies against the one the VLAN roles promise (guests reach only the internet, the
// departments reach the ERP only on its service, the internet only the web server and, via
// ZTNA, the teleworkers' services), RPO/RTO per failure scenario, and EMS seats ≥ users ×
// growth.
//
// # Unattended runs
//
// Nightly jobs report in the monitoring-plugin convention ([Status]: 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN), each with a one-line Summary to print first: [Plan.Status] for
// drift (changes, and [Plan.Unmanaged] objects added by hand that touch the site's VLANs;
// UNKNOWN when an appliance of the tier is not connected), [Compliance.Status] for the
// promises (tier limits are [Finding.ByDesign], not failures), and [BackupAudit.Status]
// for the backups, judged from each job's last successful run ([Blueprint.AuditBackups]).
// Secrets ([SecretRef]: "env:", "file:", or a resolver plugged in through
// [Connections.Secrets]) are resolved when planning, all missing ones reported at once.
// A destroy keeps the backup datasets unless [DestroyOptions].DeleteBackups, and refuses
// to start while [Plan.Blockers] (unmanaged objects using the site's) exist. Waits are
// bounded: a Netdata health gate 10 minutes, the EMS authorization of the FortiGate 2
// minutes, a Linux VM's address 10 minutes; a running step says what it waits for through
// [engine.EventProgress] events.
//
// # Assumptions
//
// The DMZ VLAN is called "dmz-web" ("dmz" is a physical port of the 80F). The ERP service is
// the ERP VM's ports without RDP/SSH (which are admin services, mgmt VLAN only). Linux VMs
// outside the monitor's VLAN get a policy to stream Netdata (19999) to the parent. The ZTNA
// tag address on the FortiGate is created as a dynamic ems-tag address named
// "<site>-compliant"; a FortiGate connected to EMS also learns EMS tags by itself.
package blueprint

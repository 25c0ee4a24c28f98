package fortigatetest

import (
	"encoding/json"
	"fmt"
	"time"
)

// seedFactory loads the factory entries that references point at: the root VDOM, the
// schedules, the default security profiles, the access profiles and the service
// categories; with factory, also the "all"/"none" addresses, the predefined services and
// service groups and the guest user groups.
func (s *Server) seedFactory(factory bool) {
	for _, name := range []string{"root"} {
		s.raw("system/vdom", record{"name": name})
	}
	for _, name := range []string{"always", "none", "default-darrp-optimize"} {
		s.raw("firewall.schedule/recurring", record{"name": name, "day": "sunday monday tuesday wednesday thursday friday saturday"})
	}
	for _, p := range []string{"antivirus/profile", "webfilter/profile", "ips/sensor", "application/list", "dnsfilter/profile", "firewall/profile-protocol-options"} {
		s.raw(p, record{"name": "default"})
	}
	for _, n := range []string{"certificate-inspection", "deep-inspection", "no-inspection", "custom-deep-inspection"} {
		s.raw("firewall/ssl-ssh-profile", record{"name": n})
	}
	for _, n := range []string{"super_admin", "prof_admin"} {
		s.raw("system/accprofile", record{"name": n})
	}
	s.raw("firewall.service/category", record{"name": "General"})
	for _, c := range []string{"Web Access", "File Access", "Email", "Network Services", "Authentication", "Remote Access", "Tunneling", "VoIP, Messaging & Other Applications", "Web Proxy"} {
		s.raw("firewall.service/category", record{"name": c})
	}
	if !factory {
		s.revCount = 0
		s.bumpRevision()
		return
	}
	s.mustCreate("firewall/address", record{"name": "all", "type": "ipmask", "subnet": "0.0.0.0 0.0.0.0"})
	s.mustCreate("firewall/address", record{"name": "none", "type": "ipmask", "subnet": "0.0.0.0 255.255.255.255"})
	s.mustCreate("firewall/address", record{"name": "FABRIC_DEVICE", "type": "ipmask", "comment": "IPv4 addresses of Fabric Devices."})
	tcp := func(name, ports, cat string) {
		s.mustCreate("firewall.service/custom", record{"name": name, "protocol": "TCP/UDP/UDP-Lite/SCTP", "tcp-portrange": ports, "category": cat})
	}
	s.mustCreate("firewall.service/custom", record{"name": "ALL", "protocol": "IP", "category": "General"})
	s.mustCreate("firewall.service/custom", record{"name": "ALL_TCP", "protocol": "TCP/UDP/UDP-Lite/SCTP", "tcp-portrange": "1-65535", "category": "General"})
	s.mustCreate("firewall.service/custom", record{"name": "ALL_UDP", "protocol": "TCP/UDP/UDP-Lite/SCTP", "udp-portrange": "1-65535", "category": "General"})
	s.mustCreate("firewall.service/custom", record{"name": "ALL_ICMP", "protocol": "ICMP", "category": "General"})
	s.mustCreate("firewall.service/custom", record{"name": "PING", "protocol": "ICMP", "icmptype": 8, "category": "Network Services"})
	tcp("HTTP", "80", "Web Access")
	tcp("HTTPS", "443", "Web Access")
	tcp("SSH", "22", "Remote Access")
	tcp("RDP", "3389", "Remote Access")
	tcp("SMTP", "25", "Email")
	tcp("SAMBA", "139", "File Access")
	tcp("SMB", "445", "File Access")
	s.mustCreate("firewall.service/custom", record{"name": "DNS", "protocol": "TCP/UDP/UDP-Lite/SCTP", "tcp-portrange": "53", "udp-portrange": "53", "category": "Network Services"})
	s.mustCreate("firewall.service/custom", record{"name": "NTP", "protocol": "TCP/UDP/UDP-Lite/SCTP", "tcp-portrange": "123", "udp-portrange": "123", "category": "Network Services"})
	s.mustCreate("firewall.service/group", record{"name": "Web Access", "member": []any{map[string]any{"name": "DNS"}, map[string]any{"name": "HTTP"}, map[string]any{"name": "HTTPS"}}})
	s.mustCreate("user/group", record{"name": "Guest-group", "group-type": "guest"})
	s.mustCreate("user/group", record{"name": "SSO_Guest_Users", "group-type": "fsso-service"})
	s.revCount = 0
	s.bumpRevision()
}

// seed80F adds the ports of a factory-default FortiGate 80F: wan1 and wan2 (WAN, DHCP),
// dmz (10.10.10.1/24), the "internal" hardware switch (192.168.1.99/24, ports
// internal1–internal5 as its members), the FortiLink ports a and b aggregated as
// "fortilink", the modem and the ssl.root tunnel. The port list follows the 80F front
// panel (inferred: read monitor system/available-interfaces on a real unit).
func (s *Server) seed80F() {
	port := func(name, typ, role, mode, ip, access, alias string) {
		r := record{"name": name, "vdom": "root", "type": typ, "role": role, "mode": mode, "ip": ip, "allowaccess": access, "status": "up"}
		if alias != "" {
			r["alias"] = alias
		}
		s.fillDefaults(tableDefs["system/interface"], r)
		s.st.tables["system/interface"] = append(s.st.tables["system/interface"], r)
	}
	port("wan1", "physical", "wan", "dhcp", "0.0.0.0 0.0.0.0", "ping fgfm", "")
	port("wan2", "physical", "wan", "dhcp", "0.0.0.0 0.0.0.0", "ping fgfm", "")
	port("dmz", "physical", "dmz", "static", "10.10.10.1 255.255.255.0", "ping https fgfm fabric", "")
	port("internal", "hard-switch", "lan", "static", "192.168.1.99 255.255.255.0", "ping https ssh fgfm fabric", "")
	members := []any{}
	for i := 1; i <= 5; i++ {
		members = append(members, map[string]any{"interface-name": fmt.Sprintf("internal%d", i)})
	}
	s.st.tables["system/interface"][len(s.st.tables["system/interface"])-1]["member"] = members
	port("a", "physical", "lan", "static", "0.0.0.0 0.0.0.0", "", "")
	port("b", "physical", "lan", "static", "0.0.0.0 0.0.0.0", "", "")
	port("fortilink", "aggregate", "lan", "static", "10.255.1.1 255.255.255.0", "ping fabric", "")
	s.st.tables["system/interface"][len(s.st.tables["system/interface"])-1]["member"] = []any{map[string]any{"interface-name": "a"}, map[string]any{"interface-name": "b"}}
	port("modem", "physical", "wan", "pppoe", "0.0.0.0 0.0.0.0", "", "")
	port("ssl.root", "tunnel", "undefined", "static", "0.0.0.0 0.0.0.0", "", "SSL VPN interface")
}

// raw appends an entry to a seed-only table.
func (s *Server) raw(table string, r record) { s.st.tables[table] = append(s.st.tables[table], r) }

func (s *Server) mustCreate(table string, r record) {
	body := map[string]any{}
	b, _ := json.Marshal(r)
	_ = json.Unmarshal(b, &body)
	if _, err := s.create(s.st, tableDefs[table], body); err != nil {
		panic(fmt.Sprintf("fortigatetest: seed %s %v: %d %s", table, r["name"], err.code, err.cli))
	}
}

// Create creates an object in table ("firewall/address") through the same validation as a
// POST (field catalogue, references, duplicates), as if a client had sent it. r uses
// FortiOS attribute names.
func (s *Server) Create(table string, r map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := tableDefs[table]
	if d == nil {
		return fmt.Errorf("fortigatetest: unknown table %q", table)
	}
	body := map[string]any{}
	b, _ := json.Marshal(r)
	_ = json.Unmarshal(b, &body)
	if _, err := s.create(s.st, d, body); err != nil {
		return fmt.Errorf("fortigatetest: create in %s: error %d: %s", table, err.code, err.cli)
	}
	s.bumpRevision()
	return nil
}

// Object returns a copy of one record as a GET would answer it.
func (s *Server) Object(table, key string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := tableDefs[table]
	if d == nil {
		return nil, false
	}
	_, r := s.st.find(table, key)
	if r == nil {
		return nil, false
	}
	return copyRecord(s.present(d, r)), true
}

// Objects returns copies of a table's records in table order.
func (s *Server) Objects(table string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := tableDefs[table]
	var out []map[string]any
	for _, r := range s.st.tables[table] {
		out = append(out, copyRecord(s.present(d, r)))
	}
	return out
}

func copyRecord(r record) map[string]any {
	var out map[string]any
	b, _ := json.Marshal(r)
	_ = json.Unmarshal(b, &out)
	return out
}

// PolicyOrder returns the policy ids in table (evaluation) order.
func (s *Server) PolicyOrder() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int
	for _, r := range s.st.tables["firewall/policy"] {
		n, _ := scalarNumber(r["policyid"])
		ids = append(ids, int(n))
	}
	return ids
}

// Revision returns the current configuration revision.
func (s *Server) Revision() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revision
}

// SetPolicyCounters sets the live counters monitor firewall/policy reports for a policy
// (0 is the implicit deny).
func (s *Server) SetPolicyCounters(policyID int, hits, bytes, packets, activeSessions int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[policyID] = &policyCounters{hits: hits, bytes: bytes, packets: packets, sessions: activeSessions, first: 1735689600, last: 1735776000}
}

// SetLink sets an interface's link state in monitor system/interface (default: up unless
// the interface is down, except wan2 and modem which start unplugged).
func (s *Server) SetLink(name string, up bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.links[name] = up
}

// SetEMSStatus fixes what monitor endpoint-control/ems/status reports for an enabled
// connector: "success" (the EMS authorized this FortiGate), "auth_pending", "auth_denied",
// "not_reachable", "cert_untrusted", … Default "not_auth". A disabled connector always
// reports "disabled".
func (s *Server) SetEMSStatus(emsID int, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emsStatus[emsID] = status
}

// SetEMSStatusFunc installs a hook computing the status of an enabled connector from its
// server and serial number at each request (it overrides SetEMSStatus), so that an EMS
// simulator can report whether it authorized this FortiGate. f runs under the simulator's
// lock: it must not call back into this Server.
func (s *Server) SetEMSStatusFunc(f func(emsID int, server, serial string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emsFunc = f
}

// EMSCertVerified reports whether verify-cert was called for the connector.
func (s *Server) EMSCertVerified(emsID int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emsCert[emsID]
}

// OpenTransactions returns the number of open (unexpired) transactions.
func (s *Server) OpenTransactions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range sortedIntKeys(s.txns) {
		if s.liveTxn(id) != nil {
			n++
		}
	}
	return n
}

// ResetLockout forgets failed logins and lockouts.
func (s *Server) ResetLockout() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = map[string][]time.Time{}
	s.lockedTo = map[string]time.Time{}
}

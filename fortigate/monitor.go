package fortigate

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// MonitorService reads live state from /api/v2/monitor.
type MonitorService struct{ c *conn }

// SystemStatus is monitor system/status; Serial, Version and Build come from the envelope.
type SystemStatus struct {
	ModelName     string `json:"model_name"`
	ModelNumber   string `json:"model_number"`
	Model         string `json:"model"`
	Hostname      string `json:"hostname"`
	LogDiskStatus string `json:"log_disk_status"`
	Serial        string `json:"-"`
	Version       string `json:"-"`
	Build         int    `json:"-"`
}

// Status returns the model, hostname and firmware version.
func (s *MonitorService) Status(ctx context.Context) (SystemStatus, error) {
	var st SystemStatus
	env, err := s.c.do(ctx, http.MethodGet, monitorPath("system/status"), nil, nil)
	if err != nil {
		return st, err
	}
	if err := decodeResults(env, &st); err != nil {
		return st, err
	}
	st.Serial, st.Version, st.Build = env.Serial, env.Version, env.Build
	return st, nil
}

// ResourceUsage is one resource's usage: the current value and history per interval
// ("1-min", "10-min", "30-min", "1-hour", "12-hour", "24-hour").
type ResourceUsage struct {
	Current    float64                    `json:"current"`
	Historical map[string]ResourceHistory `json:"historical,omitempty"`
}

// ResourceHistory is a series of [timestamp ms, value] points.
type ResourceHistory struct {
	Values  [][2]float64 `json:"values"`
	Start   int64        `json:"start"`
	End     int64        `json:"end"`
	Min     float64      `json:"min"`
	Max     float64      `json:"max"`
	Average float64      `json:"average"`
}

// ResourceUsage returns monitor system/resource/usage keyed by resource ("cpu", "mem",
// "disk", "session", …). resource and interval may be "" for all.
func (s *MonitorService) ResourceUsage(ctx context.Context, resource, interval string) (map[string][]ResourceUsage, error) {
	q := s.c.query()
	if resource != "" {
		q.Set("resource", resource)
	}
	if interval != "" {
		v := validator{}
		v.enum("interval", interval, "1-min", "10-min", "30-min", "1-hour", "12-hour", "24-hour")
		if v.err != nil {
			return nil, v.err
		}
		q.Set("interval", interval)
	}
	out := map[string][]ResourceUsage{}
	env, err := s.c.do(ctx, http.MethodGet, monitorPath("system/resource/usage"), q, nil)
	if err != nil {
		return nil, err
	}
	return out, decodeResults(env, &out)
}

// PolicyStats are the live counters of one policy (monitor firewall/policy); policy 0 is
// the implicit deny.
type PolicyStats struct {
	PolicyID       int    `json:"policyid"`
	UUID           string `json:"uuid,omitempty"`
	ActiveSessions Int    `json:"active_sessions"`
	Bytes          Int    `json:"bytes"`
	Packets        Int    `json:"packets"`
	HitCount       Int    `json:"hit_count"`
	SessionCount   Int    `json:"session_count"`
	FirstUsed      Int    `json:"first_used,omitempty"`
	LastUsed       Int    `json:"last_used,omitempty"`
}

// PolicyStats returns the hit counters of every IPv4 policy, or of policy id when id > 0.
func (s *MonitorService) PolicyStats(ctx context.Context, id int) ([]PolicyStats, error) {
	q := s.c.query()
	q.Set("ip_version", "ipv4")
	if id > 0 {
		q.Set("policyid", strconv.Itoa(id))
	}
	env, err := s.c.do(ctx, http.MethodGet, monitorPath("firewall/policy"), q, nil)
	if err != nil {
		return nil, err
	}
	var out []PolicyStats
	return out, decodeResults(env, &out)
}

// License is one entry of monitor license/status (a FortiGuard service, FortiCare, the
// VDOM licence…); fields that do not apply to an entry are zero.
type License struct {
	Type       string `json:"type"`
	Status     string `json:"status,omitempty"`
	Connected  bool   `json:"connected,omitempty"`
	Version    string `json:"version,omitempty"`
	Expires    Int    `json:"expires,omitempty"`
	LastUpdate Int    `json:"last_update,omitempty"`
	Used       Int    `json:"used,omitempty"`
	Max        Int    `json:"max,omitempty"`
}

// Licenses returns monitor license/status keyed by service ("forticare", "antivirus", …).
func (s *MonitorService) Licenses(ctx context.Context) (map[string]License, error) {
	env, err := s.c.do(ctx, http.MethodGet, monitorPath("license/status"), nil, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]License{}
	return out, decodeResults(env, &out)
}

// InterfaceStatus is the live state of one interface (monitor system/interface).
type InterfaceStatus struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Alias     string  `json:"alias"`
	MAC       string  `json:"mac"`
	IP        string  `json:"ip"`
	Mask      int     `json:"mask"`
	Link      bool    `json:"link"`
	Speed     float64 `json:"speed"`
	Duplex    int     `json:"duplex"`
	TxPackets Int     `json:"tx_packets"`
	RxPackets Int     `json:"rx_packets"`
	TxBytes   Int     `json:"tx_bytes"`
	RxBytes   Int     `json:"rx_bytes"`
	TxErrors  Int     `json:"tx_errors"`
	RxErrors  Int     `json:"rx_errors"`
}

// Interfaces returns the live state of the interfaces (VLANs included) keyed by name, or
// of one interface when name is not "".
func (s *MonitorService) Interfaces(ctx context.Context, name string) (map[string]InterfaceStatus, error) {
	q := s.c.query()
	q.Set("include_vlan", "true")
	q.Set("include_aggregate", "true")
	if name != "" {
		q.Set("interface_name", name)
	}
	env, err := s.c.do(ctx, http.MethodGet, monitorPath("system/interface"), q, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]InterfaceStatus{}
	return out, decodeResults(env, &out)
}

// EMSStatus is monitor endpoint-control/ems/status for one connector.
type EMSStatus struct {
	EMSID       int    `json:"ems_id"`
	EMSName     string `json:"ems_name"`
	EMSSerial   string `json:"ems_serial"`
	EMSStatusID int    `json:"ems_status_id"`
	// Status is success, not_reachable, auth_denied, auth_pending, cert_untrusted, not_auth,
	// disabled, …
	Status      string `json:"ems_status"`
	IsConnected bool   `json:"ems_is_connected"`
	IsVerified  bool   `json:"ems_is_verified"`
}

// EMSStatus returns the state of EMS connector emsID (is the FortiGate authorized, is the
// EMS certificate verified).
func (s *MonitorService) EMSStatus(ctx context.Context, emsID int) (EMSStatus, error) {
	var st EMSStatus
	if emsID < 1 || emsID > 7 {
		return st, sitekit.Invalid("emsID", emsID, "must be between 1 and 7")
	}
	q := s.c.query()
	q.Set("ems_id", strconv.Itoa(emsID))
	env, err := s.c.do(ctx, http.MethodGet, monitorPath("endpoint-control/ems/status"), q, nil)
	if err != nil {
		return st, err
	}
	var list []EMSStatus
	if len(env.Results) > 0 && env.Results[0] == '[' {
		if err := decodeResults(env, &list); err != nil || len(list) == 0 {
			return st, err
		}
		return list[0], nil
	}
	return st, decodeResults(env, &st)
}

// VerifyEMSCert accepts the EMS server certificate with the given fingerprint
// (POST endpoint-control/ems/verify-cert).
func (s *MonitorService) VerifyEMSCert(ctx context.Context, emsID int, fingerprint string) error {
	if emsID < 1 || emsID > 7 {
		return sitekit.Invalid("emsID", emsID, "must be between 1 and 7")
	}
	if fingerprint == "" {
		return sitekit.Invalid("fingerprint", fingerprint, "is required")
	}
	_, err := s.c.do(ctx, http.MethodPost, monitorPath("endpoint-control/ems/verify-cert"), nil,
		map[string]any{"ems_id": emsID, "fingerprint": fingerprint})
	return err
}

// BackupOptions select what Backup saves.
type BackupOptions struct {
	// Scope is "global" (default) or "vdom".
	Scope string
	// VDOM names the VDOM for Scope "vdom".
	VDOM string
}

// Backup returns the configuration file (CLI text). It uses POST system/config/backup
// (FortiOS 7.0+, required on 7.4.5+) and falls back to the legacy GET when the firmware
// answers 405.
func (s *MonitorService) Backup(ctx context.Context, opts BackupOptions) ([]byte, error) {
	if opts.Scope == "" {
		opts.Scope = "global"
	}
	v := validator{}
	v.enum("Scope", opts.Scope, "global", "vdom")
	if opts.Scope == "vdom" {
		v.required("VDOM", opts.VDOM)
	}
	if v.err != nil {
		return nil, v.err
	}
	body := map[string]any{"scope": opts.Scope, "destination": "file", "file_format": "fos"}
	if opts.VDOM != "" {
		body["vdom"] = opts.VDOM
	}
	resp, err := s.c.rc.Do(ctx, rest.Request{Method: http.MethodPost, Path: monitorPath("system/config/backup"),
		Query: s.c.query(), Body: body, Retry: rest.RetryIdempotent, Header: http.Header{"Accept": {"*/*"}}})
	var ae *APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusMethodNotAllowed {
		q := url.Values{"scope": {opts.Scope}}
		if opts.VDOM != "" {
			q.Set("vdom", opts.VDOM)
		}
		resp, err = s.c.rc.Do(ctx, rest.Request{Method: http.MethodGet, Path: monitorPath("system/config/backup"), Query: q,
			Header: http.Header{"Accept": {"*/*"}}})
	}
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

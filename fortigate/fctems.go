package fortigate

import (
	"context"
	"iter"
)

// EMSConnector is an endpoint-control/fctems record: the FortiGate's
// connector to a FortiClient EMS, keyed by EMSID (1–7 on 7.2.4+). On 7.2+ the slots often
// pre-exist disabled: Get the slot, then Update it; Create only when Get says not found.
type EMSConnector struct {
	EMSID                 int    `json:"ems-id,omitempty"`
	Status                string `json:"status,omitempty"`
	Name                  string `json:"name,omitempty"`
	Server                string `json:"server,omitempty"`
	HTTPSPort             int    `json:"https-port,omitempty"`
	SerialNumber          string `json:"serial-number,omitempty"`
	TenantID              string `json:"tenant-id,omitempty"`
	SourceIP              string `json:"source-ip,omitempty"`
	PullSysinfo           string `json:"pull-sysinfo,omitempty"`
	PullVulnerabilities   string `json:"pull-vulnerabilities,omitempty"`
	PullTags              string `json:"pull-tags,omitempty"`
	PullMalwareHash       string `json:"pull-malware-hash,omitempty"`
	CallTimeout           int    `json:"call-timeout,omitempty"`
	OutOfSyncThreshold    int    `json:"out-of-sync-threshold,omitempty"`
	SendTagsToAllVDOMs    string `json:"send-tags-to-all-vdoms,omitempty"`
	InterfaceSelectMethod string `json:"interface-select-method,omitempty"`
	Interface             string `json:"interface,omitempty"`
	TrustCACN             string `json:"trust-ca-cn,omitempty"`
	VerifyingCA           string `json:"verifying-ca,omitempty"`
}

func (o EMSConnector) mkey() int { return o.EMSID }

// Validate checks the record as a create request, before any I/O.
func (o EMSConnector) Validate() error { return o.validate(false) }

func (o EMSConnector) validate(partial bool) error {
	var v validator
	v.rng("EMSID", o.EMSID, 1, 7, partial)
	v.enum("Status", o.Status, enableDisable...)
	v.str("Name", o.Name, 35)
	if !partial {
		v.required("Name", o.Name)
		v.required("Server", o.Server)
	}
	v.str("Server", o.Server, 255)
	v.rng("HTTPSPort", o.HTTPSPort, 1, 65535, true)
	v.str("SerialNumber", o.SerialNumber, 16)
	v.str("TenantID", o.TenantID, 32)
	v.ipv4("SourceIP", o.SourceIP)
	for f, val := range map[string]string{"PullSysinfo": o.PullSysinfo, "PullVulnerabilities": o.PullVulnerabilities,
		"PullTags": o.PullTags, "PullMalwareHash": o.PullMalwareHash, "SendTagsToAllVDOMs": o.SendTagsToAllVDOMs, "TrustCACN": o.TrustCACN} {
		v.enum(f, val, enableDisable...)
	}
	v.rng("CallTimeout", o.CallTimeout, 1, 180, true)
	v.rng("OutOfSyncThreshold", o.OutOfSyncThreshold, 10, 3600, true)
	v.enum("InterfaceSelectMethod", o.InterfaceSelectMethod, "auto", "sdwan", "specify")
	v.str("Interface", o.Interface, 15)
	v.str("VerifyingCA", o.VerifyingCA, 79)
	return v.err
}

// EMSConnectorsService manages the EMS connectors (endpoint-control/fctems). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type EMSConnectorsService struct{ t table[int, EMSConnector] }

// List returns the EMS connectors matching opts (nil: all of them), in table order.
func (s *EMSConnectorsService) List(ctx context.Context, opts *ListOptions) ([]EMSConnector, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the EMS connectors matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *EMSConnectorsService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]EMSConnector], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the EMS connectors matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *EMSConnectorsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[EMSConnector, error] {
	return s.t.all(ctx, opts)
}

// Get returns the EMS connector with EMSID id, or an error matching [sitekit.ErrNotFound].
func (s *EMSConnectorsService) Get(ctx context.Context, id int) (EMSConnector, error) {
	return s.t.get(ctx, id)
}

// Exists reports whether the EMS connector with EMSID id exists.
func (s *EMSConnectorsService) Exists(ctx context.Context, id int) (bool, error) {
	return s.t.exists(ctx, id)
}

// Create validates obj, creates it and returns obj with its EMSID as FortiOS answered
// it (0 asks FortiOS to allocate one). Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *EMSConnectorsService) Create(ctx context.Context, obj EMSConnector) (EMSConnector, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the EMS connector with EMSID id (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *EMSConnectorsService) Update(ctx context.Context, id int, obj EMSConnector) (EMSConnector, error) {
	return s.t.update(ctx, id, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the EMS connector with EMSID id, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *EMSConnectorsService) Patch(ctx context.Context, id int, attrs map[string]any) error {
	return s.t.patch(ctx, id, attrs)
}

// Delete removes the EMS connector with EMSID id. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *EMSConnectorsService) Delete(ctx context.Context, id int) error {
	return s.t.delete(ctx, id)
}

// Clone copies the EMS connector with EMSID id under the key newKey.
func (s *EMSConnectorsService) Clone(ctx context.Context, id, newKey int) error {
	return s.t.clone(ctx, id, newKey)
}

func (o EMSConnector) withMKey(k int) EMSConnector {
	o.EMSID = k
	return o
}

package fortigate

// EMSConnector is an endpoint-control/fctems record (reference §3.11): the FortiGate's
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

// EMSConnectorService manages endpoint-control/fctems (generic table verbs, int keys).
// The connector's live state is in Client.Monitor.EMSStatus.
type EMSConnectorService struct{ table[int, EMSConnector] }

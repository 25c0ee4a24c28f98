package fortigate

// StaticRoute is a router/static record (reference §3.8), keyed by SeqNum (0 on create:
// FortiOS allocates it). A zero Dst means the default route 0.0.0.0/0.
type StaticRoute struct {
	SeqNum    int    `json:"seq-num,omitempty"`
	Status    string `json:"status,omitempty"`
	Dst       IPMask `json:"dst,omitzero"`
	Gateway   string `json:"gateway,omitempty"`
	Device    string `json:"device,omitempty"`
	Distance  int    `json:"distance,omitempty"`
	Weight    int    `json:"weight,omitempty"`
	Priority  int    `json:"priority,omitempty"`
	Comment   string `json:"comment,omitempty"`
	Blackhole string `json:"blackhole,omitempty"`
	DstAddr   string `json:"dstaddr,omitempty"`
	VRF       int    `json:"vrf,omitempty"`
}

func (o StaticRoute) mkey() int { return o.SeqNum }

// Validate checks the record as a create request, before any I/O.
func (o StaticRoute) Validate() error { return o.validate(false) }

func (o StaticRoute) validate(partial bool) error {
	var v validator
	v.rng("SeqNum", o.SeqNum, 0, 4294967295, false)
	v.enum("Status", o.Status, enableDisable...)
	v.ipv4("Gateway", o.Gateway)
	v.str("Device", o.Device, 35)
	if !partial && o.Device == "" && o.Blackhole != "enable" {
		v.fail("Device", o.Device, "is required unless Blackhole is enabled")
	}
	v.rng("Distance", o.Distance, 1, 255, true)
	v.rng("Weight", o.Weight, 0, 255, false)
	v.rng("Priority", o.Priority, 1, 65535, true)
	v.str("Comment", o.Comment, 255)
	v.enum("Blackhole", o.Blackhole, enableDisable...)
	v.str("DstAddr", o.DstAddr, 79)
	v.rng("VRF", o.VRF, 0, 511, false)
	return v.err
}

// StaticRouteService manages router/static (generic table verbs, int keys).
type StaticRouteService struct{ table[int, StaticRoute] }

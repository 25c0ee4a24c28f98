package fortigate

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"

	"github.com/sitekit/sitekit"
)

// Policy is a firewall/policy record, keyed by PolicyID (0 on create:
// FortiOS allocates the next number). Evaluation order is the table order, not the id:
// new policies are appended; use Move or EnsureOrder. Comments (≤1023) carries the
// "managed-by sitekit:<site>" marker.
type Policy struct {
	PolicyID               int    `json:"policyid,omitempty"`
	Name                   string `json:"name,omitempty"`
	UUID                   string `json:"uuid,omitempty"`
	Status                 string `json:"status,omitempty"`
	SrcIntf                []Ref  `json:"srcintf,omitempty"`
	DstIntf                []Ref  `json:"dstintf,omitempty"`
	SrcAddr                []Ref  `json:"srcaddr,omitempty"`
	DstAddr                []Ref  `json:"dstaddr,omitempty"`
	SrcAddrNegate          string `json:"srcaddr-negate,omitempty"`
	DstAddrNegate          string `json:"dstaddr-negate,omitempty"`
	Service                []Ref  `json:"service,omitempty"`
	ServiceNegate          string `json:"service-negate,omitempty"`
	Action                 string `json:"action,omitempty"` // accept | deny | ipsec
	Schedule               string `json:"schedule,omitempty"`
	NAT                    string `json:"nat,omitempty"`
	IPPool                 string `json:"ippool,omitempty"`
	PoolName               []Ref  `json:"poolname,omitempty"`
	LogTraffic             string `json:"logtraffic,omitempty"` // all | utm | disable
	LogTrafficStart        string `json:"logtraffic-start,omitempty"`
	Comments               string `json:"comments,omitempty"`
	Groups                 []Ref  `json:"groups,omitempty"`
	Users                  []Ref  `json:"users,omitempty"`
	UTMStatus              string `json:"utm-status,omitempty"`
	InspectionMode         string `json:"inspection-mode,omitempty"`
	ProfileProtocolOptions string `json:"profile-protocol-options,omitempty"`
	SSLSSHProfile          string `json:"ssl-ssh-profile,omitempty"`
	AVProfile              string `json:"av-profile,omitempty"`
	WebFilterProfile       string `json:"webfilter-profile,omitempty"`
	DNSFilterProfile       string `json:"dnsfilter-profile,omitempty"`
	IPSSensor              string `json:"ips-sensor,omitempty"`
	ApplicationList        string `json:"application-list,omitempty"`
	MatchVIP               string `json:"match-vip,omitempty"`
	ZTNAStatus             string `json:"ztna-status,omitempty"`
	ZTNAEMSTag             []Ref  `json:"ztna-ems-tag,omitempty"`
	ZTNATagsMatchLogic     string `json:"ztna-tags-match-logic,omitempty"`
	ZTNADeviceOwnership    string `json:"ztna-device-ownership,omitempty"`
}

func (o Policy) mkey() int { return o.PolicyID }

// Validate checks the record as a create request, before any I/O: interfaces, addresses,
// service and schedule are required, as on the FortiOS CLI.
func (o Policy) Validate() error { return o.validate(false) }

func (o Policy) validate(partial bool) error {
	var v validator
	v.rng("PolicyID", o.PolicyID, 0, 4294967294, false)
	v.str("Name", o.Name, 35)
	v.enum("Status", o.Status, enableDisable...)
	if !partial {
		for f, refs := range map[string][]Ref{"SrcIntf": o.SrcIntf, "DstIntf": o.DstIntf, "SrcAddr": o.SrcAddr, "DstAddr": o.DstAddr, "Service": o.Service} {
			if len(refs) == 0 {
				v.fail(f, "[]", "needs at least one entry")
			}
		}
		v.required("Schedule", o.Schedule)
	}
	for f, refs := range map[string][]Ref{"SrcIntf": o.SrcIntf, "DstIntf": o.DstIntf, "SrcAddr": o.SrcAddr, "DstAddr": o.DstAddr,
		"Service": o.Service, "PoolName": o.PoolName, "ZTNAEMSTag": o.ZTNAEMSTag} {
		v.refs(f, refs, 79)
	}
	v.refs("Groups", o.Groups, 79)
	v.refs("Users", o.Users, 79)
	v.enum("Action", o.Action, "accept", "deny", "ipsec")
	v.str("Schedule", o.Schedule, 35)
	for f, val := range map[string]string{"NAT": o.NAT, "IPPool": o.IPPool, "SrcAddrNegate": o.SrcAddrNegate, "DstAddrNegate": o.DstAddrNegate,
		"ServiceNegate": o.ServiceNegate, "LogTrafficStart": o.LogTrafficStart, "UTMStatus": o.UTMStatus, "MatchVIP": o.MatchVIP, "ZTNAStatus": o.ZTNAStatus} {
		v.enum(f, val, enableDisable...)
	}
	v.enum("LogTraffic", o.LogTraffic, "all", "utm", "disable")
	v.str("Comments", o.Comments, 1023)
	v.enum("InspectionMode", o.InspectionMode, "flow", "proxy")
	for f, val := range map[string]string{"ProfileProtocolOptions": o.ProfileProtocolOptions, "SSLSSHProfile": o.SSLSSHProfile,
		"AVProfile": o.AVProfile, "WebFilterProfile": o.WebFilterProfile, "DNSFilterProfile": o.DNSFilterProfile,
		"IPSSensor": o.IPSSensor, "ApplicationList": o.ApplicationList} {
		v.str(f, val, 47)
	}
	v.enum("ZTNATagsMatchLogic", o.ZTNATagsMatchLogic, "or", "and")
	v.enum("ZTNADeviceOwnership", o.ZTNADeviceOwnership, enableDisable...)
	return v.err
}

// PoliciesService manages the policies (firewall/policy). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type PoliciesService struct{ t table[int, Policy] }

// List returns the policies matching opts (nil: all of them), in table order.
func (s *PoliciesService) List(ctx context.Context, opts *ListOptions) ([]Policy, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the policies matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *PoliciesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]Policy], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the policies matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *PoliciesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Policy, error] {
	return s.t.all(ctx, opts)
}

// Get returns the policy with PolicyID id, or an error matching [sitekit.ErrNotFound].
func (s *PoliciesService) Get(ctx context.Context, id int) (Policy, error) {
	return s.t.get(ctx, id)
}

// Exists reports whether the policy with PolicyID id exists.
func (s *PoliciesService) Exists(ctx context.Context, id int) (bool, error) {
	return s.t.exists(ctx, id)
}

// Create validates obj, creates it and returns obj with its PolicyID as FortiOS answered
// it (0 asks FortiOS to allocate one). Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *PoliciesService) Create(ctx context.Context, obj Policy) (Policy, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the policy with PolicyID id (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *PoliciesService) Update(ctx context.Context, id int, obj Policy) (Policy, error) {
	return s.t.update(ctx, id, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the policy with PolicyID id, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *PoliciesService) Patch(ctx context.Context, id int, attrs map[string]any) error {
	return s.t.patch(ctx, id, attrs)
}

// Delete removes the policy with PolicyID id. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *PoliciesService) Delete(ctx context.Context, id int) error {
	return s.t.delete(ctx, id)
}

// Clone copies the policy with PolicyID id under the key newKey.
func (s *PoliciesService) Clone(ctx context.Context, id, newKey int) error {
	return s.t.clone(ctx, id, newKey)
}

func (o Policy) withMKey(k int) Policy {
	o.PolicyID = k
	return o
}

// Position says where Move puts a policy relative to the reference one.
type Position string

// Move positions.
const (
	Before Position = "before"
	After  Position = "after"
)

// Move moves policy id just before or after policy ref
// (PUT …/firewall/policy/<id>?action=move&before|after=<ref>).
func (s *PoliciesService) Move(ctx context.Context, id int, pos Position, ref int) error {
	if pos != Before && pos != After {
		return sitekit.Invalid("pos", string(pos), `must be "before" or "after"`)
	}
	if id <= 0 {
		return sitekit.Invalid("id", id, "must be a policy id")
	}
	if ref <= 0 || ref == id {
		return sitekit.Invalid("ref", ref, "must be another policy id")
	}
	q := s.t.c.query()
	q.Set("action", "move")
	q.Set(string(pos), strconv.Itoa(ref))
	_, err := s.t.c.do(ctx, http.MethodPut, cmdbPath(s.t.path, id), q, nil)
	return err
}

// Order returns the policy ids in evaluation (table) order.
func (s *PoliciesService) Order(ctx context.Context) ([]int, error) {
	ps, err := s.List(ctx, &ListOptions{Format: []string{"policyid", "name"}})
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(ps))
	for i, p := range ps {
		ids[i] = p.PolicyID
	}
	return ids, nil
}

// EnsureOrder makes the given policies appear in this relative order (other policies keep
// their places), with the fewest moves: the policies already in order (a longest increasing
// run of positions) stay, every other one is moved after its predecessor in ids. It
// returns the number of moves issued (0 when the order is already right).
func (s *PoliciesService) EnsureOrder(ctx context.Context, ids []int) (int, error) {
	seen := map[int]bool{}
	for i, id := range ids {
		if seen[id] {
			return 0, sitekit.Invalid(fmt.Sprintf("ids[%d]", i), id, "appears twice")
		}
		seen[id] = true
	}
	if len(ids) < 2 {
		return 0, nil
	}
	cur, err := s.Order(ctx)
	if err != nil {
		return 0, err
	}
	moves := PlanOrder(cur, ids)
	for _, m := range moves {
		if m.Ref == -1 {
			return 0, sitekit.Invalid("ids", m.ID, "no such policy")
		}
	}
	for i, m := range moves {
		if err := s.Move(ctx, m.ID, m.Pos, m.Ref); err != nil {
			return i, err
		}
	}
	return len(moves), nil
}

// PolicyMove is one move computed by [PlanOrder].
type PolicyMove struct {
	ID  int
	Pos Position
	Ref int
}

// PlanOrder computes the minimal moves that put want (a subsequence of ids) in that
// relative order within cur. A want entry missing from cur yields a move with Ref -1.
func PlanOrder(cur, want []int) []PolicyMove {
	pos := make(map[int]int, len(cur))
	for i, id := range cur {
		pos[id] = i
	}
	for _, id := range want {
		if _, ok := pos[id]; !ok {
			return []PolicyMove{{ID: id, Ref: -1}}
		}
	}
	// Longest increasing subsequence of positions (patience sorting with back-links).
	n := len(want)
	tails, prev := []int{}, make([]int, n)
	for i := range n {
		p := pos[want[i]]
		j, _ := slices.BinarySearchFunc(tails, p, func(t, p int) int { return pos[want[t]] - p })
		if j > 0 {
			prev[i] = tails[j-1]
		} else {
			prev[i] = -1
		}
		if j == len(tails) {
			tails = append(tails, i)
		} else {
			tails[j] = i
		}
	}
	keep := make([]bool, n)
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		keep[i] = true
	}
	var moves []PolicyMove
	for i := range n {
		if keep[i] {
			continue
		}
		if i == 0 {
			first := slices.Index(keep, true)
			moves = append(moves, PolicyMove{ID: want[0], Pos: Before, Ref: want[first]})
			continue
		}
		moves = append(moves, PolicyMove{ID: want[i], Pos: After, Ref: want[i-1]})
	}
	return moves
}

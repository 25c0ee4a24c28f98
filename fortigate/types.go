package fortigate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
)

// IPMask is a FortiOS "ipv4-classnet-any" value: an IPv4 address with its mask. FortiOS
// accepts "10.0.20.1/24" or "10.0.20.1 255.255.255.0" and always answers the second form;
// IPMask parses both and encodes the dotted-mask form, so a value read back compares equal
// to the value written (no perpetual diff). The address keeps its host bits (an interface
// address), use Masked for the network.
type IPMask struct{ netip.Prefix }

// ParseIPMask parses "a.b.c.d/len", "a.b.c.d m.m.m.m" or a bare "a.b.c.d" (a /32).
func ParseIPMask(s string) (IPMask, error) {
	s = strings.TrimSpace(s)
	if addr, mask, ok := strings.Cut(s, " "); ok {
		a, err := netip.ParseAddr(strings.TrimSpace(addr))
		if err != nil || !a.Is4() {
			return IPMask{}, fmt.Errorf("invalid IPv4 address %q", addr)
		}
		n, err := maskBits(strings.TrimSpace(mask))
		if err != nil {
			return IPMask{}, err
		}
		return IPMask{netip.PrefixFrom(a, n)}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			return IPMask{}, fmt.Errorf("invalid IPv4 CIDR %q", s)
		}
		return IPMask{p}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return IPMask{}, fmt.Errorf("invalid IPv4 address %q", s)
	}
	return IPMask{netip.PrefixFrom(a, 32)}, nil
}

// MustIPMask is ParseIPMask for constants; it panics on a malformed value.
func MustIPMask(s string) IPMask {
	m, err := ParseIPMask(s)
	if err != nil {
		panic(err)
	}
	return m
}

// maskBits converts a dotted netmask to a prefix length; the mask must be contiguous.
func maskBits(m string) (int, error) {
	a, err := netip.ParseAddr(m)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("invalid netmask %q", m)
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := bits.LeadingZeros32(^v)
	if n < 32 && v<<n != 0 {
		return 0, fmt.Errorf("invalid netmask %q: not contiguous", m)
	}
	return n, nil
}

// Mask returns the dotted netmask ("255.255.255.0").
func (m IPMask) Mask() string {
	if !m.IsValid() {
		return ""
	}
	v := ^uint32(0) << (32 - m.Bits())
	if m.Bits() == 0 {
		v = 0
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// FortiOS returns the "a.b.c.d m.m.m.m" form ("" for the zero value).
func (m IPMask) FortiOS() string {
	if !m.IsValid() {
		return ""
	}
	return m.Addr().String() + " " + m.Mask()
}

// IsZero reports whether m is unset (used by omitzero).
func (m IPMask) IsZero() bool { return !m.IsValid() }

// MarshalJSON encodes the "a.b.c.d m.m.m.m" form.
func (m IPMask) MarshalJSON() ([]byte, error) {
	// digits, dots and one space: nothing to escape
	return []byte(`"` + m.FortiOS() + `"`), nil
}

// UnmarshalJSON decodes either form; "" leaves m zero.
func (m *IPMask) UnmarshalJSON(b []byte) error {
	s, err := jsonString(b)
	if err != nil {
		return err
	}
	if strings.TrimSpace(s) == "" {
		*m = IPMask{}
		return nil
	}
	v, err := ParseIPMask(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Options is a FortiOS multi-option value, a space-separated string on the wire
// ("ping https ssh"). FortiOS may reorder the tokens: compare with [Options.Equal].
type Options []string

// MarshalJSON encodes the space-separated form.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(strings.Join(o, " ")) }

// UnmarshalJSON splits the space-separated form.
func (o *Options) UnmarshalJSON(b []byte) error {
	s, err := jsonString(b)
	if err != nil {
		return err
	}
	*o = strings.Fields(s)
	return nil
}

// jsonString decodes a JSON string value (b is valid JSON, as encoding/json hands it to
// an UnmarshalJSON method); a plain one (no escapes, valid UTF-8) is sliced without a
// second pass of the JSON decoder.
func jsonString(b []byte) (string, error) {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && utf8.Valid(b[1:n-1]) {
		return string(b[1 : n-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// Equal compares two option sets ignoring order and duplicates.
func (o Options) Equal(p Options) bool {
	a, b := slices.Clone(o), slices.Clone(p)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// Ref is a reference to another object by name, the element of FortiOS tables such as
// srcaddr, member or service. Reads carry q_origin_key as well; writes send only name.
type Ref struct {
	Name       string `json:"name"`
	QOriginKey string `json:"q_origin_key,omitempty"`
}

// MarshalJSON sends only the name.
func (r Ref) MarshalJSON() ([]byte, error) {
	name, err := json.Marshal(r.Name)
	if err != nil {
		return nil, err
	}
	return append(append([]byte(`{"name":`), name...), '}'), nil
}

// Refs builds a reference list from names.
func Refs(names ...string) []Ref {
	out := make([]Ref, len(names))
	for i, n := range names {
		out[i] = Ref{Name: n}
	}
	return out
}

// RefNames returns the names of a reference list.
func RefNames(refs []Ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Name
	}
	return out
}

// Int is an integer decoded from a JSON number or a numeric string (FortiOS monitor counters
// come either way); it encodes as a number. The rules are [lenient.Int]'s: 7, 7.0 and "7"
// decode as 7, null and non-numeric strings as 0.
type Int = lenient.Int

// validator accumulates the first local validation error.
type validator struct{ err error }

func (v *validator) fail(field string, value any, reason string) {
	if v.err == nil {
		v.err = sitekit.Invalid(field, value, reason)
	}
}

func (v *validator) required(field, val string) {
	if val == "" {
		v.fail(field, val, "is required")
	}
}

// str checks a string's length (FortiOS counts bytes).
func (v *validator) str(field, val string, max int) {
	if len(val) > max {
		v.fail(field, val, fmt.Sprintf("must be at most %d characters", max))
	}
}

// name checks an object name: required on create, bounded, no characters FortiOS paths refuse.
func (v *validator) name(field, val string, max int, partial bool) {
	if val == "" {
		if !partial {
			v.fail(field, val, "is required")
		}
		return
	}
	v.str(field, val, max)
	if strings.ContainsAny(val, "<>()\"'#\\") {
		v.fail(field, val, `must not contain any of <>()"'#\`)
	}
}

func (v *validator) enum(field, val string, opts ...string) {
	if val != "" && !slices.Contains(opts, val) {
		v.fail(field, val, "must be one of "+strings.Join(opts, ", "))
	}
}

func (v *validator) multi(field string, val Options, opts ...string) {
	for _, t := range val {
		if !slices.Contains(opts, t) {
			v.fail(field, t, "must be one of "+strings.Join(opts, ", "))
			return
		}
	}
}

// rng checks an integer range; 0 means "unset" when zeroUnset.
func (v *validator) rng(field string, val, min, max int, zeroUnset bool) {
	if zeroUnset && val == 0 {
		return
	}
	if val < min || val > max {
		v.fail(field, val, fmt.Sprintf("must be between %d and %d", min, max))
	}
}

func (v *validator) refs(field string, refs []Ref, max int) {
	for i, r := range refs {
		f := fmt.Sprintf("%s[%d].Name", field, i)
		if r.Name == "" {
			v.fail(f, r.Name, "is required")
		}
		v.str(f, r.Name, max)
	}
}

func (v *validator) ipv4(field, val string) {
	if val == "" {
		return
	}
	a, err := netip.ParseAddr(val)
	if err != nil || !a.Is4() {
		v.fail(field, val, "must be an IPv4 address")
	}
}

func (v *validator) netmask(field, val string) {
	if val == "" {
		return
	}
	if _, err := maskBits(val); err != nil {
		v.fail(field, val, "must be a contiguous IPv4 netmask such as 255.255.255.0")
	}
}

// portRange checks a FortiOS port range list "dst[-dst][:src[-src]] …".
func (v *validator) portRange(field, val string) {
	for _, tok := range strings.Fields(val) {
		dst, src, hasSrc := strings.Cut(tok, ":")
		if !validPorts(dst) || (hasSrc && !validPorts(src)) {
			v.fail(field, tok, "must be port[-port][:srcport[-srcport]] with ports 0-65535 and low <= high")
			return
		}
	}
}

func validPorts(s string) bool {
	lo, hi, isRange := strings.Cut(s, "-")
	l, err := strconv.Atoi(lo)
	if err != nil || l < 0 || l > 65535 {
		return false
	}
	if !isRange {
		return true
	}
	h, err := strconv.Atoi(hi)
	return err == nil && h >= l && h <= 65535
}

var enableDisable = []string{"enable", "disable"}

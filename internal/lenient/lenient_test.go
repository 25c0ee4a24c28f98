package lenient

import (
	"encoding/json"
	"math"
	"testing"
)

// cases is the union of what the five clients accepted before they shared this package,
// with the appliance that sends each shape. Every input is decoded into all three types.
var cases = []struct {
	in    string
	i     int64
	f     float64
	valid bool // Float.Valid
	b     bool
	err   bool // all three types refuse it
}{
	// plain numbers (all appliances)
	{in: `7`, i: 7, f: 7, valid: true, b: true},
	{in: `0`, i: 0, f: 0, valid: true, b: false},
	{in: `1`, i: 1, f: 1, valid: true, b: true},
	{in: `-1`, i: -1, f: -1, valid: true, b: true}, // XO PIF "vlan":-1
	{in: `7.0`, i: 7, f: 7, valid: true, b: true},  // FortiOS counters, EMS "retval":1.0
	{in: `4.2`, i: 4, f: 4.2, valid: true, b: true},
	{in: `-7.9`, i: -7, f: -7.9, valid: true, b: true},
	{in: `1.5e11`, i: 150000000000, f: 1.5e11, valid: true, b: true},
	{in: `25276026880`, i: 25276026880, f: 25276026880, valid: true, b: true},
	{in: `9223372036854775807`, i: math.MaxInt64, f: math.MaxInt64, valid: true, b: true},
	{in: ` 12 `, i: 12, f: 12, valid: true, b: true},
	// numbers as strings
	{in: `"2"`, i: 2, f: 2, valid: true, b: true},                            // Netdata 1.37 "cores_total":"2"
	{in: `"0"`, i: 0, f: 0, valid: true, b: false},                           // Netdata 1.37 "warn_repeat_every":"0"
	{in: `"16"`, i: 16, f: 16, valid: true, b: true},                         // XAPI "cpu_count":"16"
	{in: `"1767225600"`, i: 1767225600, f: 1767225600, valid: true, b: true}, // EMS last_seen
	{in: `"7.0"`, i: 7, f: 7, valid: true, b: true},
	{in: `"4.2"`, i: 4, f: 4.2, valid: true, b: true},
	{in: `" 42 "`, i: 42, f: 42, valid: true, b: true},
	{in: `"\u0034\u0032"`, i: 42, f: 42, valid: true, b: true},
	{in: `"+7"`, i: 7, f: 7, valid: true, b: true},
	{in: `"1e3"`, i: 1000, f: 1000, valid: true, b: true},
	// booleans (EMS flags and ids, Netdata 2.x)
	{in: `true`, i: 1, f: 1, valid: true, b: true},
	{in: `false`, i: 0, f: 0, valid: true, b: false},
	{in: `"true"`, i: 0, b: true}, // Netdata 1.37 "is_k8s_node":"true"
	{in: `"TRUE"`, i: 0, b: true},
	{in: `"false"`, i: 0, b: false}, // Netdata 1.37 "silenced":"false"
	{in: `"yes"`, i: 0, b: true},    // EMS
	{in: `"no"`, i: 0, b: false},
	{in: `"on"`, i: 0, b: true},
	{in: `"off"`, i: 0, b: false},
	{in: `"1"`, i: 1, f: 1, valid: true, b: true}, // EMS "is_quarantined":"1"
	// null and empty
	{in: `null`},
	{in: ` null `},
	{in: `""`},
	{in: `"  "`},
	// junk: zero without error
	{in: `"unknown"`}, // Netdata
	{in: `"N/A"`},
	{in: `"x"`},
	{in: `"NaN"`},
	{in: `"Inf"`},
	{in: `"-infinity"`},
	{in: `"1e999"`},
	{in: `1e999`},
	{in: `1e19`, f: 1e19, valid: true, b: true},   // outside int64: Int is 0
	{in: `-1e19`, f: -1e19, valid: true, b: true}, // idem
	{in: `"9223372036854775808"`, f: 9223372036854775808, valid: true, b: true},
	// objects, arrays, malformed: an error
	{in: `{}`, err: true},
	{in: `{"$date":1}`, err: true},
	{in: `[]`, err: true},
	{in: `[1]`, err: true},
	{in: ``, err: true},
	{in: `   `, err: true},
	{in: `abc`, err: true},
	{in: `nul`, err: true},
	{in: `-`, err: true},
	{in: `01`, err: true},
	{in: `1.`, err: true},
	{in: `"unterminated`, err: true},
}

func TestDecode(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			var i Int
			var f Float
			var b Bool
			errs := []error{i.UnmarshalJSON([]byte(tc.in)), f.UnmarshalJSON([]byte(tc.in)), b.UnmarshalJSON([]byte(tc.in))}
			for k, err := range errs {
				if (err != nil) != tc.err {
					t.Fatalf("type %d: err = %v, want error %v", k, err, tc.err)
				}
			}
			if tc.err {
				return
			}
			if int64(i) != tc.i {
				t.Errorf("Int = %d, want %d", i, tc.i)
			}
			if f.Valid != tc.valid || f.Value != tc.f {
				t.Errorf("Float = %+v, want {Value:%v Valid:%v}", f, tc.f, tc.valid)
			}
			if bool(b) != tc.b {
				t.Errorf("Bool = %v, want %v", b, tc.b)
			}
		})
	}
}

// null and junk reset a previously decoded value (fields are reused across pages).
func TestDecodeResets(t *testing.T) {
	for _, in := range []string{`null`, `"unknown"`, `""`} {
		i, f, b := Int(5), Float{Value: 5, Valid: true}, Bool(true)
		for _, err := range []error{i.UnmarshalJSON([]byte(in)), f.UnmarshalJSON([]byte(in)), b.UnmarshalJSON([]byte(in))} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if i != 0 || f.Valid || f.Value != 0 || bool(b) {
			t.Fatalf("%s: stale values %d %+v %v", in, i, f, b)
		}
	}
}

// Inside a struct, json.Unmarshal reports the error with the field; objects must not be
// silently zeroed.
func TestDecodeInStruct(t *testing.T) {
	var v struct {
		N Int `json:"n"`
	}
	if err := json.Unmarshal([]byte(`{"n":{"x":1}}`), &v); err == nil {
		t.Fatal("object decoded into Int without error")
	}
	if err := json.Unmarshal([]byte(`{"n":"3"}`), &v); err != nil || v.N != 3 {
		t.Fatalf("got %d, %v", v.N, err)
	}
}

func TestEncode(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{Int(-3), `-3`},
		{Int(math.MaxInt64), `9223372036854775807`},
		{Float{Value: 4.2, Valid: true}, `4.2`},
		{Float{Value: 0, Valid: true}, `0`},
		{Float{Value: 4.2}, `null`},
		{Float{}, `null`},
		{Bool(true), `true`},
		{Bool(false), `false`},
		{struct {
			F Float `json:"f"`
			P Float `json:"p,omitzero"`
		}{F: Float{Value: 1e21, Valid: true}}, `{"f":1e+21}`},
	} {
		got, err := json.Marshal(tc.v)
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", tc.v, got, err, tc.want)
		}
	}
}

func TestFloatPtr(t *testing.T) {
	if (Float{Value: 1}).Ptr() != nil {
		t.Error("Ptr of an invalid Float is not nil")
	}
	if p := (Float{Value: 2.5, Valid: true}).Ptr(); p == nil || *p != 2.5 {
		t.Errorf("Ptr = %v", p)
	}
}

// FuzzDecode checks, for any input, that the three types agree on whether it is an
// error, that a decoded value re-encodes to JSON that decodes to the same value, and that
// Int agrees with Float where Float is an exact integer.
func FuzzDecode(f *testing.F) {
	for _, tc := range cases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var i Int
		var fl Float
		var b Bool
		ei, ef, eb := i.UnmarshalJSON(in), fl.UnmarshalJSON(in), b.UnmarshalJSON(in)
		if (ei == nil) != (ef == nil) || (ef == nil) != (eb == nil) {
			t.Fatalf("%q: errors disagree: %v / %v / %v", in, ei, ef, eb)
		}
		if ei != nil {
			return
		}
		for _, v := range []any{&i, &fl, &b} {
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%q: re-encode %T: %v", in, v, err)
			}
			switch v := v.(type) {
			case *Int:
				var again Int
				if err := json.Unmarshal(out, &again); err != nil || again != *v {
					t.Fatalf("%q: Int round trip %s → %d, %v", in, out, again, err)
				}
			case *Float:
				var again Float
				if err := json.Unmarshal(out, &again); err != nil || again != *v {
					t.Fatalf("%q: Float round trip %s → %+v, %v", in, out, again, err)
				}
			case *Bool:
				var again Bool
				if err := json.Unmarshal(out, &again); err != nil || again != *v {
					t.Fatalf("%q: Bool round trip %s → %v, %v", in, out, again, err)
				}
			}
		}
		if fl.Valid && fl.Value == math.Trunc(fl.Value) && math.Abs(fl.Value) < 1<<53 && int64(i) != int64(fl.Value) {
			t.Fatalf("%q: Int %d, Float %v", in, i, fl.Value)
		}
		if fl.Valid && bool(b) != (fl.Value != 0) {
			t.Fatalf("%q: Bool %v, Float %v", in, b, fl.Value)
		}
	})
}

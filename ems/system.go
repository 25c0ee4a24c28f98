package ems

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/sitekit/sitekit/internal/lenient"
)

// SystemService reads the EMS identity, version and license.
type SystemService struct{ c *Client }

// Serial returns the EMS serial number (GET /api/v1/system/serial_number). It is also
// the cheapest call to check that a session works.
func (s *SystemService) Serial(ctx context.Context) (string, error) {
	var sn string
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/system/serial_number", out: &sn})
	return sn, err
}

// Version returns the EMS version, e.g. "7.4.3" (GET /api/v1/system/consts/get
// ?system_update_time=1 → data.System.VERSION, undocumented "according to Fortinet support").
func (s *SystemService) Version(ctx context.Context) (string, error) {
	var data struct {
		System struct {
			Version string `json:"VERSION"`
		} `json:"System"`
	}
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/system/consts/get", query: url.Values{"system_update_time": {"1"}}, out: &data})
	return data.System.Version, err
}

// SystemInfo is GET /api/v1/system/info/.
type SystemInfo struct {
	Name       string  `json:"name"`
	SystemTime string  `json:"system_time"` // "YYYY-MM-DD hh:mm:ss", server local time
	License    License `json:"license"`
}

// Info returns the system information with the license.
func (s *SystemService) Info(ctx context.Context) (SystemInfo, error) {
	var info SystemInfo
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/system/info/", out: &info})
	return info, err
}

// License is GET /api/v1/license/get. Seats, FutureSeats and Used are keyed by license
// kind as EMS names them: fabric_agent, sandbox_cloud, chromebook, ztna, epp, sase,
// ztna_user, epp_user, sase_user, vpn_only.
type License struct {
	SerialNumber string         `json:"sn"`
	HardwareID   string         `json:"hid"`
	Seats        map[string]int `json:"seats"`
	FutureSeats  map[string]int `json:"future_seats"`
	Used         map[string]int `json:"used"`
	Licenses     []LicenseEntry `json:"licenses"`
	IsTrial      bool           `json:"is_trial"`
	Version      int            `json:"license_ver"`
	Error        string         `json:"error"`
}

// LicenseEntry is one purchased license; dates are ISO "2099-01-01T00:00:00".
type LicenseEntry struct {
	Type       string `json:"type"`
	StartDate  string `json:"start_date"`
	ExpiryDate string `json:"expiry_date"`
}

// Free returns the seats of kind not yet used (negative when over-subscribed).
func (l License) Free(kind string) int { return l.Seats[kind] - l.Used[kind] }

// UnmarshalJSON decodes leniently: seat counts and flags as numbers, strings or booleans.
func (l *License) UnmarshalJSON(b []byte) error {
	var raw struct {
		SN, HID     string
		Seats       map[string]lenient.Int `json:"seats"`
		FutureSeats map[string]lenient.Int `json:"future_seats"`
		Used        map[string]lenient.Int `json:"used"`
		Licenses    []LicenseEntry         `json:"licenses"`
		IsTrial     lenient.Bool           `json:"is_trial"`
		Version     lenient.Int            `json:"license_ver"`
		Error       json.RawMessage        `json:"error"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*l = License{SerialNumber: raw.SN, HardwareID: raw.HID, Seats: ints(raw.Seats), FutureSeats: ints(raw.FutureSeats),
		Used: ints(raw.Used), Licenses: raw.Licenses, IsTrial: bool(raw.IsTrial), Version: int(raw.Version)}
	var es string
	if json.Unmarshal(raw.Error, &es) == nil {
		l.Error = es
	} else if len(raw.Error) > 0 && string(raw.Error) != "null" && string(raw.Error) != "false" {
		l.Error = string(raw.Error)
	}
	return nil
}

func ints(m map[string]lenient.Int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = int(v)
	}
	return out
}

// License returns the license and its seat usage.
func (s *SystemService) License(ctx context.Context) (License, error) {
	var l License
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/license/get", out: &l})
	return l, err
}

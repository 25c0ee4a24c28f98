package ems

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
	"github.com/sitekit/sitekit/internal/rest"
)

// DefaultPageSize is a sensible page size for listings (public clients use 100 to 2000).
const DefaultPageSize = 100

// MaxPageSize bounds a page: larger pages are slow on EMS [I].
const MaxPageSize = 2000

// EndpointsService lists and acts on endpoints (devices running FortiClient).
type EndpointsService struct{ c *Client }

// Endpoint is one record of GET /api/v1/endpoints/index [C2] (and of its details). Flags
// arrive as 1/0 on the wire and are decoded as booleans; LastSeen is epoch seconds.
type Endpoint struct {
	DeviceID     int    `json:"device_id"`
	Name         string `json:"name"`
	Host         string `json:"host"`
	Username     string `json:"username"`
	UserDomain   string `json:"user_domain"`
	IPAddr       string `json:"ip_addr"`
	MACAddr      string `json:"mac_addr"`
	PublicIPAddr string `json:"public_ip_addr"`
	GroupPath    string `json:"group_path"`
	// Groups lists the groups of the endpoint (details answer) [C].
	Groups     []EndpointGroup `json:"groups"`
	OSVersion  string          `json:"os_version"`
	FCTVersion string          `json:"fct_version"`
	FCTSerial  string          `json:"fct_sn"`
	LastSeen   int64           `json:"last_seen"`
	Registered bool            `json:"is_ems_registered"`
	Online     bool            `json:"is_ems_online"`
	OnNet      bool            `json:"is_ems_onnet"`
	// Quarantined mirrors is_quarantined.
	Quarantined bool `json:"is_quarantined"`
	// Raw is the record as received, for fields not modelled here.
	Raw json.RawMessage `json:"-"`
}

// EndpointGroup is a group reference inside an endpoint record.
type EndpointGroup struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	GroupPath string `json:"group_path"`
}

// UnmarshalJSON decodes leniently (1/0 flags, numbers as strings) and keeps Raw.
func (e *Endpoint) UnmarshalJSON(b []byte) error {
	type plain Endpoint
	var raw struct {
		plain
		DeviceID    lenient.Int  `json:"device_id"`
		LastSeen    lenient.Int  `json:"last_seen"`
		Registered  lenient.Bool `json:"is_ems_registered"`
		Online      lenient.Bool `json:"is_ems_online"`
		OnNet       lenient.Bool `json:"is_ems_onnet"`
		Quarantined lenient.Bool `json:"is_quarantined"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*e = Endpoint(raw.plain)
	e.DeviceID, e.LastSeen = int(raw.DeviceID), int64(raw.LastSeen)
	e.Registered, e.Online, e.OnNet, e.Quarantined = bool(raw.Registered), bool(raw.Online), bool(raw.OnNet), bool(raw.Quarantined)
	e.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// EndpointListOptions selects one page of endpoints. Count (the page size) is required.
type EndpointListOptions struct {
	// Offset of the first endpoint (0-based).
	Offset int
	// Count is the page size, 1..MaxPageSize (use DefaultPageSize).
	Count int
	// GroupID keeps the endpoints of one group (0: all) [C].
	GroupID int
	// DeviceID keeps one endpoint (0: all) [C].
	DeviceID int
	// Connection filters by connection state, e.g. "online" [C].
	Connection string
	// Status filters by status, e.g. "outofsync" [C].
	Status string
}

// Validate checks the options before any I/O.
func (o EndpointListOptions) Validate() error {
	if err := validatePage(o.Count, o.Offset); err != nil {
		return err
	}
	switch {
	case o.GroupID < 0:
		return sitekit.Invalid("GroupID", o.GroupID, "must not be negative")
	case o.DeviceID < 0:
		return sitekit.Invalid("DeviceID", o.DeviceID, "must not be negative")
	}
	return nil
}

func (o EndpointListOptions) query() url.Values {
	q := url.Values{"offset": {strconv.Itoa(o.Offset)}, "count": {strconv.Itoa(o.Count)}}
	if o.GroupID > 0 {
		q.Set("group_id", strconv.Itoa(o.GroupID))
	}
	if o.DeviceID > 0 {
		q.Set("device_id", strconv.Itoa(o.DeviceID))
	}
	if o.Connection != "" {
		q.Set("connection", o.Connection)
	}
	if o.Status != "" {
		q.Set("status", o.Status)
	}
	return q
}

// EndpointPage is one page of endpoints and the total matching the filters.
type EndpointPage struct {
	Endpoints []Endpoint `json:"endpoints"`
	Total     int        `json:"total"`
}

// UnmarshalJSON accepts total as a number or a string.
func (p *EndpointPage) UnmarshalJSON(b []byte) error {
	var raw struct {
		Endpoints []Endpoint  `json:"endpoints"`
		Total     lenient.Int `json:"total"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = EndpointPage{Endpoints: raw.Endpoints, Total: int(raw.Total)}
	return nil
}

// List returns one page (GET /api/v1/endpoints/index?offset=&count= [C2]).
func (s *EndpointsService) List(ctx context.Context, opts EndpointListOptions) (EndpointPage, error) {
	var p EndpointPage
	if err := opts.Validate(); err != nil {
		return p, err
	}
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/endpoints/index", query: opts.query(), out: &p})
	return p, err
}

// All iterates over every endpoint matching opts from opts.Offset on, one page of opts.Count
// at a time; an error is yielded last. It stops when a page is short or the total is reached.
func (s *EndpointsService) All(ctx context.Context, opts EndpointListOptions) iter.Seq2[Endpoint, error] {
	return func(yield func(Endpoint, error) bool) {
		if err := opts.Validate(); err != nil {
			yield(Endpoint{}, err)
			return
		}
		for {
			p, err := s.List(ctx, opts)
			if err != nil {
				yield(Endpoint{}, err)
				return
			}
			for _, e := range p.Endpoints {
				if !yield(e, nil) {
					return
				}
			}
			opts.Offset += len(p.Endpoints)
			if len(p.Endpoints) < opts.Count || opts.Offset >= p.Total {
				return
			}
		}
	}
}

// ListAll collects All into a slice.
func (s *EndpointsService) ListAll(ctx context.Context, opts EndpointListOptions) ([]Endpoint, error) {
	var out []Endpoint
	for e, err := range s.All(ctx, opts) {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Get returns the details of one endpoint (GET /api/v1/endpoints/device/{id}/details [C]).
// An unknown id matches sitekit.ErrNotFound.
func (s *EndpointsService) Get(ctx context.Context, deviceID int) (Endpoint, error) {
	var e Endpoint
	if err := validateID("DeviceID", deviceID); err != nil {
		return e, err
	}
	err := s.c.do(ctx, call{method: http.MethodGet, path: rest.Path(rest.Raw("endpoints/device"), deviceID, "details"), out: &e})
	return e, err
}

func validateIDs(field string, ids []int) error {
	if len(ids) == 0 {
		return sitekit.Invalid(field, "[]", "at least one device id is required")
	}
	for i, id := range ids {
		if err := validateID(fmt.Sprintf("%s[%d]", field, i), id); err != nil {
			return err
		}
	}
	return nil
}

type idsBody struct {
	IDs []int `json:"ids"`
}

// Quarantine isolates endpoints (POST /api/v1/clients/quarantine {"ids":[…]} [C2]).
func (s *EndpointsService) Quarantine(ctx context.Context, deviceIDs ...int) error {
	if err := validateIDs("DeviceIDs", deviceIDs); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodPost, path: "/clients/quarantine", body: idsBody{deviceIDs}})
}

// Unquarantine releases endpoints (POST /api/v1/clients/unquarantine [C2]).
func (s *EndpointsService) Unquarantine(ctx context.Context, deviceIDs ...int) error {
	if err := validateIDs("DeviceIDs", deviceIDs); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodPost, path: "/clients/unquarantine", body: idsBody{deviceIDs}})
}

// Move puts endpoints into a group (GET /api/v1/workgroups/move/?id_list=&group_id= [C]; the
// id_list format, comma-separated ids, is inferred [I]).
func (s *EndpointsService) Move(ctx context.Context, groupID int, deviceIDs ...int) error {
	if err := validateID("GroupID", groupID); err != nil {
		return err
	}
	if err := validateIDs("DeviceIDs", deviceIDs); err != nil {
		return err
	}
	ids := make([]string, len(deviceIDs))
	for i, id := range deviceIDs {
		ids[i] = strconv.Itoa(id)
	}
	q := url.Values{"id_list": {strings.Join(ids, ",")}, "group_id": {strconv.Itoa(groupID)}}
	return s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/move/", query: q, write: true})
}

// Delete removes endpoints from EMS (DELETE /api/v1/devices/delete?ids=… [C2]); their
// license seats are freed.
func (s *EndpointsService) Delete(ctx context.Context, deviceIDs ...int) error {
	if err := validateIDs("DeviceIDs", deviceIDs); err != nil {
		return err
	}
	q := url.Values{}
	for _, id := range deviceIDs {
		q.Add("ids", strconv.Itoa(id))
	}
	return s.c.do(ctx, call{method: http.MethodDelete, path: "/devices/delete", query: q})
}

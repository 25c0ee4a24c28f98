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

// MaxPageSize bounds a page: larger pages are slow on EMS [inferred].
const MaxPageSize = 2000

// EndpointsService lists and acts on endpoints (devices running FortiClient).
type EndpointsService struct{ c *Client }

// Endpoint is one record of GET /api/v1/endpoints/index (and of its details). Flags
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
	// Groups lists the groups of the endpoint (details answer).
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

// Values of the endpoint listing filters.
const (
	// ConnectionOnline keeps the endpoints connected to EMS now.
	ConnectionOnline = "online"
	// ConnectionOffline keeps the endpoints not connected [inferred: the value public clients
	// send is "online"; "offline" is its counterpart].
	ConnectionOffline = "offline"
	// StatusOutOfSync keeps the endpoints whose FortiClient has not applied the current
	// profile (fotoobo's out-of-sync monitor sends connection=online&status=outofsync).
	StatusOutOfSync = "outofsync"
	// ManagementManaged keeps the endpoints registered to EMS, ManagementUnmanaged the
	// others [inferred: the values are the tokens of the endpoints/management/donut answer].
	ManagementManaged   = "managed"
	ManagementUnmanaged = "unmanaged"
)

// EndpointListOptions filters the endpoint listing; EMS applies the filters (ANDed). A nil
// *EndpointListOptions lists every endpoint. The other parameters public clients send to
// endpoints/index (client_id, activity, event_type, view_type, filters, verification) have no
// public description of their values: send them with Client.Do.
type EndpointListOptions struct {
	// GroupID keeps the endpoints of one group and its subgroups (0: all).
	GroupID int
	// DeviceID keeps one endpoint (0: all).
	DeviceID int
	// Connection keeps the endpoints in one connection state: ConnectionOnline or
	// ConnectionOffline ("": all).
	Connection string
	// Status keeps the endpoints in one status: StatusOutOfSync ("": all).
	Status string
	// Management keeps managed or unmanaged endpoints: ManagementManaged or
	// ManagementUnmanaged ("": all).
	Management string
	// PageSize is the number of endpoints asked per call, 1..MaxPageSize (0: DefaultPageSize).
	PageSize int
}

// Validate checks the options before any I/O.
func (o *EndpointListOptions) Validate() error {
	if o == nil {
		return nil
	}
	switch {
	case o.GroupID < 0:
		return sitekit.Invalid("GroupID", o.GroupID, "must not be negative")
	case o.DeviceID < 0:
		return sitekit.Invalid("DeviceID", o.DeviceID, "must not be negative")
	case o.Connection != "" && o.Connection != ConnectionOnline && o.Connection != ConnectionOffline:
		return sitekit.Invalid("Connection", o.Connection, `must be "online" or "offline"`)
	case o.Status != "" && o.Status != StatusOutOfSync:
		return sitekit.Invalid("Status", o.Status, `must be "outofsync"`)
	case o.Management != "" && o.Management != ManagementManaged && o.Management != ManagementUnmanaged:
		return sitekit.Invalid("Management", o.Management, `must be "managed" or "unmanaged"`)
	}
	return validatePageSize(o.PageSize)
}

func (o *EndpointListOptions) query(offset, count int) url.Values {
	q := url.Values{"offset": {strconv.Itoa(offset)}, "count": {strconv.Itoa(count)}}
	if o == nil {
		return q
	}
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
	if o.Management != "" {
		q.Set("management", o.Management)
	}
	return q
}

// endpointPage is one page of GET /api/v1/endpoints/index: data {endpoints, total}.
type endpointPage struct {
	Endpoints []Endpoint  `json:"endpoints"`
	Total     lenient.Int `json:"total"`
}

// List returns every endpoint matching opts (GET /api/v1/endpoints/index?offset=&count=,
// one call per page).
func (s *EndpointsService) List(ctx context.Context, opts *EndpointListOptions) ([]Endpoint, error) {
	return collect(s.All(ctx, opts))
}

// All iterates over the endpoints matching opts, one page at a time; an error is yielded
// last. It stops when a page is short, the total is reached or the loop breaks.
func (s *EndpointsService) All(ctx context.Context, opts *EndpointListOptions) iter.Seq2[Endpoint, error] {
	if err := opts.Validate(); err != nil {
		return items(func() ([]Endpoint, error) { return nil, err })
	}
	size := 0
	if opts != nil {
		size = opts.PageSize
	}
	return paged(size, func(offset, count int) ([]Endpoint, int, error) {
		var p endpointPage
		err := s.c.do(ctx, call{method: http.MethodGet, path: "/endpoints/index", query: opts.query(offset, count), out: &p})
		return p.Endpoints, int(p.Total), err
	})
}

// Get returns the details of one endpoint (GET /api/v1/endpoints/device/{id}/details).
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

// Quarantine isolates endpoints (POST /api/v1/clients/quarantine {"ids":[…]}).
func (s *EndpointsService) Quarantine(ctx context.Context, deviceIDs ...int) error {
	if err := validateIDs("DeviceIDs", deviceIDs); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodPost, path: "/clients/quarantine", body: idsBody{deviceIDs}})
}

// Unquarantine releases endpoints (POST /api/v1/clients/unquarantine).
func (s *EndpointsService) Unquarantine(ctx context.Context, deviceIDs ...int) error {
	if err := validateIDs("DeviceIDs", deviceIDs); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodPost, path: "/clients/unquarantine", body: idsBody{deviceIDs}})
}

// Move puts endpoints into a group (GET /api/v1/workgroups/move/?id_list=&group_id=; the
// id_list format, comma-separated ids, is inferred).
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

// Delete removes endpoint deviceID from EMS (DELETE /api/v1/devices/delete?ids=…); its
// license seat is freed. An unknown id matches sitekit.ErrNotFound.
func (s *EndpointsService) Delete(ctx context.Context, deviceID int) error {
	if err := validateID("DeviceID", deviceID); err != nil {
		return err
	}
	q := url.Values{"ids": {strconv.Itoa(deviceID)}}
	return s.c.do(ctx, call{method: http.MethodDelete, path: "/devices/delete", query: q})
}

package fortigate

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// Client talks to one FortiGate through the FortiOS REST API v2 (7.0–7.6). Build it with
// [New]; it is safe for concurrent use. Resource families are fields: c.Addresses.List,
// c.Policies.Move, c.Monitor.Status, …
type Client struct {
	conn *conn

	// CMDB families (one file each).
	Interfaces     *InterfacesService     // system/interface (VLAN sub-interfaces)
	Zones          *ZonesService          // system/zone
	DHCPServers    *DHCPServersService    // system.dhcp/server
	Addresses      *AddressesService      // firewall/address
	AddressGroups  *AddressGroupsService  // firewall/addrgrp
	Services       *ServicesService       // firewall.service/custom
	ServiceGroups  *ServiceGroupsService  // firewall.service/group
	Policies       *PoliciesService       // firewall/policy (+ Move, EnsureOrder)
	VIPs           *VIPsService           // firewall/vip
	StaticRoutes   *StaticRoutesService   // router/static
	LocalUsers     *LocalUsersService     // user/local
	UserGroups     *UserGroupsService     // user/group
	EMSConnectors  *EMSConnectorsService  // endpoint-control/fctems
	AccessProxies  *AccessProxiesService  // firewall/access-proxy (ZTNA)
	ZTNAWebProxies *ZTNAWebProxiesService // ztna/web-proxy (7.6)
	Global         *GlobalService         // system/global (singleton)
	Monitor        *MonitorService        // /api/v2/monitor/…
	Transactions   *TransactionsService   // batch transactions (6.4+)
}

// conn is the HTTP state shared by every service of a Client (and by transaction clients).
type conn struct {
	rc   *rest.Client
	vdom string
	txn  int // X-TRANSACTION-ID, 0 outside a transaction
}

type vdomKey struct{}

// WithVDOM sends vdom=<name> on every request (default: none, i.e. the administrator's
// management VDOM, "root" on a FortiGate without VDOMs).
func WithVDOM(name string) sitekit.Option {
	return func(s *sitekit.Settings) error {
		if name == "" || len(name) > 31 || strings.ContainsAny(name, " ,*/") {
			return sitekit.Invalid("VDOM", name, "must be a VDOM name of 1 to 31 characters")
		}
		s.Set(vdomKey{}, name)
		return nil
	}
}

// New returns a client for the FortiGate at baseURL (e.g. "https://192.0.2.1" or
// "https://fw.example.net:8443"). It validates the options and does no I/O. An API token
// ([sitekit.WithToken]) is required; it is sent as "Authorization: Bearer", never in the URL.
func New(baseURL string, opts ...sitekit.Option) (*Client, error) {
	s, err := sitekit.Apply(opts...)
	if err != nil {
		return nil, err
	}
	if s.Token.IsZero() {
		return nil, sitekit.Invalid("Token", "", "a FortiOS REST API token is required (sitekit.WithToken)")
	}
	token := s.Token
	rc, err := rest.New(rest.Config{
		Appliance:   "fortigate",
		BaseURL:     baseURL,
		Settings:    s,
		Classify:    classify,
		DecodeError: decodeError,
		Authorize: func(_ context.Context, h http.Header) error {
			h.Set("Authorization", "Bearer "+token.Reveal())
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	c := &conn{rc: rc}
	if v, ok := s.Value(vdomKey{}).(string); ok {
		c.vdom = v
	}
	return newClient(c), nil
}

func newClient(c *conn) *Client {
	return &Client{
		conn:           c,
		Interfaces:     &InterfacesService{t: table[string, Interface]{c: c, path: "system/interface"}},
		Zones:          &ZonesService{t: table[string, Zone]{c: c, path: "system/zone"}},
		DHCPServers:    &DHCPServersService{t: table[int, DHCPServer]{c: c, path: "system.dhcp/server"}},
		Addresses:      &AddressesService{t: table[string, Address]{c: c, path: "firewall/address"}},
		AddressGroups:  &AddressGroupsService{t: table[string, AddressGroup]{c: c, path: "firewall/addrgrp"}},
		Services:       &ServicesService{t: table[string, Service]{c: c, path: "firewall.service/custom"}},
		ServiceGroups:  &ServiceGroupsService{t: table[string, ServiceGroup]{c: c, path: "firewall.service/group"}},
		Policies:       &PoliciesService{t: table[int, Policy]{c: c, path: "firewall/policy"}},
		VIPs:           &VIPsService{t: table[string, VIP]{c: c, path: "firewall/vip"}},
		StaticRoutes:   &StaticRoutesService{t: table[int, StaticRoute]{c: c, path: "router/static"}},
		LocalUsers:     &LocalUsersService{t: table[string, LocalUser]{c: c, path: "user/local"}},
		UserGroups:     &UserGroupsService{t: table[string, UserGroup]{c: c, path: "user/group"}},
		EMSConnectors:  &EMSConnectorsService{t: table[int, EMSConnector]{c: c, path: "endpoint-control/fctems"}},
		AccessProxies:  &AccessProxiesService{t: table[string, AccessProxy]{c: c, path: "firewall/access-proxy"}},
		ZTNAWebProxies: &ZTNAWebProxiesService{t: table[string, ZTNAWebProxy]{c: c, path: "ztna/web-proxy"}},
		Global:         &GlobalService{c: c},
		Monitor:        &MonitorService{c: c},
		Transactions:   &TransactionsService{c: c},
	}
}

// VDOM returns the VDOM sent with every request ("" when none is set).
func (c *Client) VDOM() string { return c.conn.vdom }

// classify is the FortiOS retry classifier: a 401 or a 429 is never retried (FortiOS answers
// 429 to a source locked out after repeated failed logins, and every retried 401 counts as
// one more failure); everything else follows [rest.DefaultClassifier] (idempotent requests
// retried on transport errors and 502/503/504, a request that never reached the wire
// retried whatever its method), except a TLS pin mismatch, which no retry can fix.
func classify(a *rest.Attempt) bool {
	var pin *sitekit.PinMismatchError
	var cv *tls.CertificateVerificationError
	if errors.As(a.Err, &pin) || errors.As(a.Err, &cv) {
		return false // the peer is not the pinned appliance: retrying cannot help
	}
	if a.Err == nil && (a.StatusCode == http.StatusUnauthorized || a.StatusCode == http.StatusTooManyRequests) {
		return false
	}
	return rest.DefaultClassifier(a)
}

// query returns the base query of every request (vdom).
func (c *conn) query() url.Values {
	q := url.Values{}
	if c.vdom != "" {
		q.Set("vdom", c.vdom)
	}
	return q
}

// send sends one request and returns the body of a 2xx answer.
func (c *conn) send(ctx context.Context, method, path string, q url.Values, body any) ([]byte, error) {
	if q == nil {
		q = c.query()
	}
	var h http.Header
	if c.txn != 0 && strings.HasPrefix(path, "/api/v2/cmdb/") {
		h = http.Header{"X-Transaction-Id": {strconv.Itoa(c.txn)}}
	}
	resp, err := c.rc.Do(ctx, rest.Request{Method: method, Path: path, Query: q, Header: h, Body: body})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// do sends one request and decodes the FortiOS envelope of a 2xx answer.
func (c *conn) do(ctx context.Context, method, path string, q url.Values, body any) (*Envelope, error) {
	b, err := c.send(ctx, method, path, q, body)
	if err != nil {
		return nil, err
	}
	env, err := DecodeEnvelope(b)
	if err != nil {
		return nil, fmt.Errorf("fortigate: %s %s: %w", method, path, err)
	}
	return env, nil
}

// leanEnvelope is what the typed calls read of an answer: its status, key and results.
// Other envelope fields are skipped; an error answer is decoded again in full.
type leanEnvelope[T any] struct {
	Status  string          `json:"status"`
	MKey    json.RawMessage `json:"mkey"`
	Results *T              `json:"results"`
}

// doInto sends one request and decodes the envelope's results into out (when out is not
// nil) in the same pass; it returns the envelope's mkey as text. A multi-VDOM array
// answer is read from its first envelope.
func doInto[T any](ctx context.Context, c *conn, method, path string, q url.Values, body any, out *T) (string, error) {
	b, err := c.send(ctx, method, path, q, body)
	if err != nil {
		return "", err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		le := leanEnvelope[T]{Results: out}
		if err := json.Unmarshal(t, &le); err != nil {
			return "", fmt.Errorf("fortigate: %s %s: decode envelope: %w", method, path, err)
		}
		if le.Status != "error" {
			return (&Envelope{MKey: le.MKey}).MKeyString(), nil
		}
	}
	env, err := DecodeEnvelope(b)
	if err != nil {
		return "", fmt.Errorf("fortigate: %s %s: %w", method, path, err)
	}
	if out != nil {
		if err := decodeResults(env, out); err != nil {
			return "", err
		}
	}
	return env.MKeyString(), nil
}

// Raw sends a request to any FortiOS REST path ("/api/v2/cmdb/…", "/api/v2/monitor/…") and
// returns the decoded envelope, for objects this package does not type. vdom is added to
// query when the client has one.
func (c *Client) Raw(ctx context.Context, method, path string, query url.Values, body any) (*Envelope, error) {
	q := c.conn.query()
	for k, vs := range query {
		q[k] = vs
	}
	return c.conn.do(ctx, method, path, q, body)
}

func cmdbPath(table string, key ...any) string {
	if len(key) == 0 {
		return "/api/v2/cmdb/" + table
	}
	if len(key) == 1 {
		switch k := key[0].(type) {
		case string:
			return "/api/v2/cmdb/" + table + "/" + url.PathEscape(k)
		case int:
			return "/api/v2/cmdb/" + table + "/" + strconv.Itoa(k)
		}
	}
	parts := append([]any{rest.Raw("api/v2/cmdb/" + table)}, key...)
	return rest.Path(parts...)
}

func monitorPath(p string) string { return rest.Path(rest.Raw("api/v2/monitor/" + p)) }

// decodeResults unmarshals the envelope's results into out.
func decodeResults(env *Envelope, out any) error {
	if len(env.Results) == 0 || string(env.Results) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Results, out); err != nil {
		return fmt.Errorf("fortigate: decode %s/%s results: %w", env.Path, env.Name, err)
	}
	return nil
}

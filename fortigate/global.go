package fortigate

import (
	"context"
	"net/http"
)

// Global is the system/global singleton (the subset a site sets).
type Global struct {
	Hostname              string `json:"hostname,omitempty"`
	Alias                 string `json:"alias,omitempty"`
	Timezone              string `json:"timezone,omitempty"`
	AdminTimeout          int    `json:"admintimeout,omitempty"`
	AdminSport            int    `json:"admin-sport,omitempty"`
	AdminLockoutThreshold int    `json:"admin-lockout-threshold,omitempty"`
	AdminLockoutDuration  int    `json:"admin-lockout-duration,omitempty"`
	RestAPIKeyURLQuery    string `json:"rest-api-key-url-query,omitempty"`
	VDOMMode              string `json:"vdom-mode,omitempty"`
}

// Validate checks the values before any I/O (all fields are optional).
func (o Global) Validate() error {
	var v validator
	v.str("Hostname", o.Hostname, 35)
	v.str("Alias", o.Alias, 35)
	v.str("Timezone", o.Timezone, 63)
	v.rng("AdminTimeout", o.AdminTimeout, 1, 480, true)
	v.rng("AdminSport", o.AdminSport, 1, 65535, true)
	v.rng("AdminLockoutThreshold", o.AdminLockoutThreshold, 1, 10, true)
	v.rng("AdminLockoutDuration", o.AdminLockoutDuration, 1, 2147483647, true)
	v.enum("RestAPIKeyURLQuery", o.RestAPIKeyURLQuery, enableDisable...)
	v.enum("VDOMMode", o.VDOMMode, "no-vdom", "multi-vdom")
	return v.err
}

// GlobalService reads and updates system/global (a singleton: no create or delete).
type GlobalService struct{ c *conn }

// Get returns system/global.
func (s *GlobalService) Get(ctx context.Context) (Global, error) {
	var g Global
	env, err := s.c.do(ctx, http.MethodGet, cmdbPath("system/global"), nil, nil)
	if err != nil {
		return g, err
	}
	return g, decodeResults(env, &g)
}

// Update sets the non-zero fields of g and returns system/global read back after the write
// (g itself inside a transaction, where the write is not visible before the commit).
func (s *GlobalService) Update(ctx context.Context, g Global) (Global, error) {
	if err := g.Validate(); err != nil {
		return Global{}, err
	}
	if _, err := s.c.do(ctx, http.MethodPut, cmdbPath("system/global"), nil, g); err != nil {
		return Global{}, err
	}
	if s.c.txn != 0 {
		return g, nil
	}
	return s.Get(ctx)
}

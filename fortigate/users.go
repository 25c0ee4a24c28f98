package fortigate

import (
	"context"
	"encoding/json"
	"iter"

	"github.com/sitekit/sitekit"
)

// LocalUser is a user/local record. Passwd is write-only: FortiOS reads
// it back as "ENC …" (kept in PasswdENC, never compare it); the Secret never prints.
type LocalUser struct {
	Name         string         `json:"name,omitempty"`
	ID           int            `json:"id,omitempty"`
	Status       string         `json:"status,omitempty"`
	Type         string         `json:"type,omitempty"` // password | radius | tacacs+ | ldap | saml
	Passwd       sitekit.Secret `json:"-"`
	PasswdENC    string         `json:"-"`
	LDAPServer   string         `json:"ldap-server,omitempty"`
	RADIUSServer string         `json:"radius-server,omitempty"`
	TwoFactor    string         `json:"two-factor,omitempty"`
	EmailTo      string         `json:"email-to,omitempty"`
	FortiToken   string         `json:"fortitoken,omitempty"`
	AuthTimeout  int            `json:"authtimeout,omitempty"`
}

type localUserWire LocalUser

// MarshalJSON puts the password on the wire (only place it is revealed).
func (o LocalUser) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		localUserWire
		Passwd string `json:"passwd,omitempty"`
	}{localUserWire(o), o.Passwd.Reveal()})
}

// UnmarshalJSON keeps the "ENC …" form of the password in PasswdENC.
func (o *LocalUser) UnmarshalJSON(b []byte) error {
	var w struct {
		localUserWire
		Passwd string `json:"passwd"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = LocalUser(w.localUserWire)
	o.PasswdENC = w.Passwd
	return nil
}

func (o LocalUser) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o LocalUser) Validate() error { return o.validate(false) }

func (o LocalUser) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 64, partial)
	v.enum("Status", o.Status, enableDisable...)
	v.enum("Type", o.Type, "password", "radius", "tacacs+", "ldap", "saml")
	if !partial && (o.Type == "" || o.Type == "password") && o.Passwd.IsZero() {
		v.fail("Passwd", "", "is required for a password user")
	}
	if len(o.Passwd.Reveal()) > 128 {
		v.fail("Passwd", "[redacted]", "must be at most 128 characters")
	}
	v.str("LDAPServer", o.LDAPServer, 35)
	v.str("RADIUSServer", o.RADIUSServer, 35)
	v.enum("TwoFactor", o.TwoFactor, "disable", "fortitoken", "fortitoken-cloud", "email", "sms")
	v.str("EmailTo", o.EmailTo, 63)
	v.str("FortiToken", o.FortiToken, 16)
	v.rng("AuthTimeout", o.AuthTimeout, 0, 1440, false)
	return v.err
}

// LocalUsersService manages the local users (user/local). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type LocalUsersService struct{ t table[string, LocalUser] }

// List returns the local users matching opts (nil: all of them), in table order.
func (s *LocalUsersService) List(ctx context.Context, opts *ListOptions) ([]LocalUser, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the local users matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *LocalUsersService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]LocalUser], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the local users matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *LocalUsersService) All(ctx context.Context, opts *ListOptions) iter.Seq2[LocalUser, error] {
	return s.t.all(ctx, opts)
}

// Get returns the local user named name, or an error matching [sitekit.ErrNotFound].
func (s *LocalUsersService) Get(ctx context.Context, name string) (LocalUser, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the local user named name exists.
func (s *LocalUsersService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *LocalUsersService) Create(ctx context.Context, obj LocalUser) (LocalUser, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the local user named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *LocalUsersService) Update(ctx context.Context, name string, obj LocalUser) (LocalUser, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the local user named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *LocalUsersService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the local user named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *LocalUsersService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the local user named name under the key newKey.
func (s *LocalUsersService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o LocalUser) withMKey(k string) LocalUser {
	o.Name = k
	return o
}

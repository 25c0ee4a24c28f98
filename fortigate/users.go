package fortigate

import (
	"encoding/json"

	"github.com/sitekit/sitekit"
)

// LocalUser is a user/local record (reference §3.10). Passwd is write-only: FortiOS reads
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

// LocalUserService manages user/local (generic table verbs).
type LocalUserService struct{ table[string, LocalUser] }

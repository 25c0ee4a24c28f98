package blueprint

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/xo"
)

// ConnectionsFromEnv builds the clients of a live run from the environment, read with getenv
// (os.Getenv in a program):
//
//	fortigate  SITEKIT_FORTIGATE_URL  SITEKIT_FORTIGATE_TOKEN                 [SITEKIT_FORTIGATE_SHA256]
//	xo         SITEKIT_XO_URL         SITEKIT_XO_TOKEN                        [SITEKIT_XO_SHA256]
//	ems        SITEKIT_EMS_URL        SITEKIT_EMS_USER SITEKIT_EMS_PASSWORD   [SITEKIT_EMS_SHA256]
//	truenas    SITEKIT_TRUENAS_URL    SITEKIT_TRUENAS_API_KEY                 [SITEKIT_TRUENAS_SHA256]
//	netdata    SITEKIT_NETDATA_URL    [SITEKIT_NETDATA_TOKEN]                 [SITEKIT_NETDATA_SHA256]
//
// Every appliance is required unless omit names it ("fortigate", "xo", "ems", "truenas",
// "netdata"): an unset or invalid variable is an error, and every problem is reported at
// once, so a run that should reach an appliance never leaves it out silently. The SHA256
// variables pin the appliance's certificate (hex SHA-256, several separated by commas);
// without one the system's roots verify it. http:// URLs are accepted for loopback hosts
// only. The site's "env:" secrets are read with getenv too ([EnvSecretsFrom]). No I/O is
// done. Close the result with [Connections.Close].
func ConnectionsFromEnv(getenv func(string) string, omit ...string) (Connections, error) {
	var c Connections
	var errs []error
	for _, o := range omit {
		if !slices.Contains(appliances, o) {
			errs = append(errs, sitekit.Invalid("omit", o, "must be one of "+strings.Join(appliances, ", ")))
		}
	}
	common := func(app string) ([]sitekit.Option, string, bool) {
		if slices.Contains(omit, app) {
			return nil, "", false
		}
		name := "SITEKIT_" + strings.ToUpper(app) + "_URL"
		u := getenv(name)
		if u == "" {
			errs = append(errs, fmt.Errorf("%s is not set (omit %s explicitly to run without it)", name, app))
			return nil, "", false
		}
		pu, err := url.Parse(u)
		switch {
		case err != nil || pu.Host == "":
			errs = append(errs, sitekit.Invalid(name, u, "must be an https:// URL"))
			return nil, "", false
		case pu.Scheme == "http" && !sitekit.IsLoopback(pu.Hostname()):
			errs = append(errs, sitekit.Invalid(name, u, "http:// is accepted for loopback hosts only, use https://"))
			return nil, "", false
		case pu.Scheme != "http" && pu.Scheme != "https":
			errs = append(errs, sitekit.Invalid(name, u, "scheme must be https"))
			return nil, "", false
		}
		var opts []sitekit.Option
		if pin := getenv("SITEKIT_" + strings.ToUpper(app) + "_SHA256"); pin != "" {
			opts = append(opts, sitekit.WithCertSHA256(strings.Split(pin, ",")...))
		}
		return opts, u, true
	}
	need := func(app, name string) string {
		v := getenv("SITEKIT_" + app + "_" + name)
		if v == "" {
			errs = append(errs, fmt.Errorf("SITEKIT_%s_%s is not set (required with SITEKIT_%s_URL)", app, name, app))
		}
		return v
	}
	var err error
	if opts, u, ok := common(appFortiGate); ok {
		c.FortiGate, err = fortigate.New(u, append(opts, sitekit.WithToken(sitekit.NewSecret(need("FORTIGATE", "TOKEN"))))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common(appXO); ok {
		c.XO, err = xo.New(u, append(opts, sitekit.WithToken(sitekit.NewSecret(need("XO", "TOKEN"))))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common(appEMS); ok {
		user := need("EMS", "USER")
		c.EMS, err = ems.New(u, append(opts, sitekit.WithCredentials(user, sitekit.NewSecret(need("EMS", "PASSWORD"))))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common(appTrueNAS); ok {
		c.TrueNAS, err = truenas.New(u, append(opts, sitekit.WithToken(sitekit.NewSecret(need("TRUENAS", "API_KEY"))))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common(appNetdata); ok {
		if t := getenv("SITEKIT_NETDATA_TOKEN"); t != "" {
			opts = append(opts, sitekit.WithToken(sitekit.NewSecret(t)))
		}
		c.Netdata, err = netdata.New(u, opts...)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		_ = c.Close()
		return Connections{}, err
	}
	c.Secrets = EnvSecretsFrom(getenv)
	return c, nil
}

// EnvSecretsFrom returns [DefaultSecrets] with "env:NAME" read with getenv instead of the
// process environment: an unset or empty variable is an error naming it.
func EnvSecretsFrom(getenv func(string) string) SecretSchemes {
	s := DefaultSecrets()
	s["env"] = SecretResolverFunc(func(_ context.Context, ref SecretRef) (sitekit.Secret, error) {
		name := strings.TrimPrefix(string(ref), "env:")
		v := getenv(name)
		if v == "" {
			return sitekit.Secret{}, fmt.Errorf("environment variable %s is not set", name)
		}
		return sitekit.NewSecret(v), nil
	})
	return s
}

// Close closes the clients that hold sessions (the XO and TrueNAS WebSockets). The others
// hold nothing to close.
func (c Connections) Close() error {
	var errs []error
	if c.XO != nil {
		errs = append(errs, c.XO.Close())
	}
	if c.TrueNAS != nil {
		errs = append(errs, c.TrueNAS.Close())
	}
	return errors.Join(errs...)
}

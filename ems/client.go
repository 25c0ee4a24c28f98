package ems

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// APIPrefix is the path prefix of every EMS API call.
const APIPrefix = "/api/v1"

type siteKey struct{}

// WithSite selects the EMS site (multi-site EMS): it is sent as "site" in the sign-in body
// and as the Site header on every request. A single-site EMS ignores both [inferred].
func WithSite(name string) sitekit.Option {
	return func(s *sitekit.Settings) error {
		if strings.TrimSpace(name) == "" {
			return sitekit.Invalid("Site", name, "must not be empty")
		}
		s.Set(siteKey{}, name)
		return nil
	}
}

// Client talks to one FortiClient EMS server. It is safe for concurrent use. Create it with
// [New]; it signs in lazily on the first call.
type Client struct {
	// System reads the serial number, version, system information and license.
	System *SystemService
	// Endpoints lists and acts on managed endpoints (quarantine, move, delete).
	Endpoints *EndpointsService
	// Groups manages endpoint groups (workgroups).
	Groups *GroupsService
	// Profiles lists endpoint profiles and reads their (opaque) XML content.
	Profiles *ProfilesService
	// ZTNATags manages zero-trust tags (with their detection rules).
	ZTNATags *ZTNATagsService
	// TagRules manages zero-trust tagging rule sets.
	TagRules *TagRulesService
	// FortiGates lists the FortiGates that connected to EMS and authorizes them.
	FortiGates *FortiGatesService

	rc       *rest.Client
	user     string
	password sitekit.Secret
	site     string
	origin   string

	mu   sync.Mutex
	sess *session
	sf   singleflight.Group
}

// session holds the cookies of one sign-in. Both values are secrets: they never print.
type session struct {
	id   sitekit.Secret // sessionid cookie
	csrf sitekit.Secret // csrftoken cookie
}

type sessionCtxKey struct{}

// New returns a client for the EMS at baseURL ("https://ems.example:443"; a trailing
// "/api/v1" is accepted). Credentials are required: sitekit.WithCredentials(user, password).
// New validates its arguments and does no I/O.
func New(baseURL string, opts ...sitekit.Option) (*Client, error) {
	s, err := sitekit.Apply(opts...)
	if err != nil {
		return nil, err
	}
	if s.Username == "" || s.Password.IsZero() {
		return nil, sitekit.Invalid("Credentials", "", "EMS needs sitekit.WithCredentials(user, password)")
	}
	baseURL = strings.TrimSuffix(strings.TrimRight(baseURL, "/"), APIPrefix)
	c := &Client{user: s.Username, password: s.Password}
	if v, ok := s.Value(siteKey{}).(string); ok {
		c.site = v
	}
	rc, err := rest.New(rest.Config{
		Appliance:   "ems",
		BaseURL:     baseURL,
		Settings:    s,
		DecodeError: decodeHTTPError,
		Authorize:   c.authorize,
	})
	if err != nil {
		return nil, err
	}
	c.rc = rc
	u := rc.BaseURL()
	c.origin = u.Scheme + "://" + u.Host
	c.System = &SystemService{c: c}
	c.Endpoints = &EndpointsService{c: c}
	c.Groups = &GroupsService{c: c}
	c.Profiles = &ProfilesService{c: c}
	c.ZTNATags = &ZTNATagsService{c: c}
	c.TagRules = &TagRulesService{c: c}
	c.FortiGates = &FortiGatesService{c: c}
	return c, nil
}

// String describes the client without credentials.
func (c *Client) String() string { return fmt.Sprintf("ems.Client(%s, user %q)", c.origin, c.user) }

// GoString keeps %#v free of credentials and session cookies.
func (c *Client) GoString() string { return c.String() }

// authorize adds the session cookies and the headers every EMS call carries: Ems-Call-Type
// [inferred: sent by every working client], a same-origin Referer and X-CSRFToken (needed on writes,
// sent on every call like the FortiSOAR connector does) and the Site header.
func (c *Client) authorize(ctx context.Context, h http.Header) error {
	h.Set("Ems-Call-Type", "2")
	h.Set("Referer", c.origin+"/")
	if c.site != "" {
		h.Set("Site", c.site)
	}
	sess, _ := ctx.Value(sessionCtxKey{}).(*session)
	if sess == nil {
		return nil // sign-in itself
	}
	h.Set("Cookie", (&http.Cookie{Name: "csrftoken", Value: sess.csrf.Reveal()}).String()+"; "+
		(&http.Cookie{Name: "sessionid", Value: sess.id.Reveal()}).String())
	h.Set("X-CSRFToken", sess.csrf.Reveal())
	return nil
}

type signinBody struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Site     string `json:"site,omitempty"`
}

// SignIn opens a session now (calls sign in lazily otherwise). Concurrent callers share one
// sign-in. The password is only ever put in the sign-in body.
func (c *Client) SignIn(ctx context.Context) error {
	c.mu.Lock()
	c.sess = nil
	c.mu.Unlock()
	_, err := c.session(ctx)
	return err
}

// session returns the current session, signing in (once for all concurrent callers) when there
// is none.
func (c *Client) session(ctx context.Context) (*session, error) {
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	ch := c.sf.DoChan("signin", func() (any, error) {
		c.mu.Lock()
		if c.sess != nil { // another flight finished meanwhile
			s := c.sess
			c.mu.Unlock()
			return s, nil
		}
		c.mu.Unlock()
		// The sign-in serves every waiter: one caller's cancellation must not fail the others.
		s, err := c.signin(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.sess = s
		c.mu.Unlock()
		return s, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*session), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Client) signin(ctx context.Context) (*session, error) {
	var env envelope
	resp, err := c.rc.Do(ctx, rest.Request{
		Method: http.MethodPost, Path: APIPrefix + "/auth/signin",
		Body:  signinBody{Name: c.user, Password: c.password.Reveal(), Site: c.site},
		Retry: rest.RetryIdempotent, // a sign-in creates nothing; 401s are never retried
	})
	if err != nil {
		return nil, fmt.Errorf("ems: sign in as %q: %w", c.user, err)
	}
	if err := decodeEnvelope(resp.Body, &env); err != nil {
		return nil, fmt.Errorf("ems: sign in as %q: %w", c.user, err)
	}
	if err := env.Result.err(http.MethodPost, APIPrefix+"/auth/signin", resp, sitekit.ErrUnauthorized); err != nil {
		return nil, fmt.Errorf("ems: sign in as %q: %w", c.user, err)
	}
	s := &session{}
	for _, ck := range (&http.Response{Header: resp.Header}).Cookies() {
		switch ck.Name {
		case "sessionid":
			s.id = sitekit.NewSecret(ck.Value)
		case "csrftoken":
			s.csrf = sitekit.NewSecret(ck.Value)
		}
	}
	if s.id.IsZero() || s.csrf.IsZero() {
		return nil, fmt.Errorf("ems: sign in as %q: answer lacks the csrftoken and sessionid cookies: %w", c.user, sitekit.ErrUnauthorized)
	}
	return s, nil
}

// SignOut closes the session (GET /api/v1/auth/signout). The next call signs in again.
func (c *Client) SignOut(ctx context.Context) error {
	c.mu.Lock()
	s := c.sess
	c.sess = nil
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	_, err := c.rc.Do(context.WithValue(ctx, sessionCtxKey{}, s), rest.Request{Method: http.MethodGet, Path: APIPrefix + "/auth/signout"})
	return err
}

// invalidate forgets s if it is still the current session, so that the next call signs in.
func (c *Client) invalidate(s *session) {
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
}

// call is one API request: path below /api/v1 (already escaped with rest.Path), optional
// query and JSON body; out receives the envelope's data.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	out    any
	write  bool // a GET that changes state (workgroups/create, …)
}

// do runs one call inside a session. When EMS answers that the session expired (HTTP 401,
// retval -4) it signs in again and replays the call once: EMS refused it before doing
// anything, so even a write is safe to replay.
func (c *Client) do(ctx context.Context, k call) error {
	for try := 0; ; try++ {
		s, err := c.session(ctx)
		if err != nil {
			return err
		}
		resp, err := c.rc.Do(context.WithValue(ctx, sessionCtxKey{}, s), rest.Request{
			Method: k.method, Path: APIPrefix + k.path, Query: k.query, Body: k.body, IsWrite: k.write,
		})
		if err != nil {
			if try == 0 && isExpired(err) {
				c.invalidate(s)
				continue
			}
			return err
		}
		var env envelope
		env.Data = k.out
		if err := decodeEnvelope(resp.Body, &env); err != nil {
			return fmt.Errorf("ems: %s %s: %w", k.method, k.path, err)
		}
		if err := env.Result.err(k.method, APIPrefix+k.path, resp, nil); err != nil {
			if try == 0 && isExpired(err) {
				c.invalidate(s)
				continue
			}
			return err
		}
		return nil
	}
}

// Do is the escape hatch for what the typed API lacks (invitations, deployment packages, …):
// it sends method to path ("/api/v1/…", or relative to it; a "?query" is allowed) with in as
// JSON body (nil for none), inside the session (CSRF, re-login included), and decodes the
// envelope's data into out (nil to ignore). Errors are as for typed calls.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	if method == "" {
		return sitekit.Invalid("method", method, "must not be empty")
	}
	p, q, _ := strings.Cut(path, "?")
	p = "/" + strings.TrimPrefix(strings.TrimPrefix(p, "/"), strings.TrimPrefix(APIPrefix, "/"))
	p = "/" + strings.TrimLeft(p, "/")
	query, err := url.ParseQuery(q)
	if err != nil {
		return sitekit.Invalid("path", path, "query: "+err.Error())
	}
	if len(query) == 0 {
		query = nil
	}
	return c.do(ctx, call{method: strings.ToUpper(method), path: p, query: query, body: in, out: out})
}

func isExpired(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.RetVal == RetValSessionExpired || (ae.StatusCode == http.StatusUnauthorized && ae.RetVal == 0)
}

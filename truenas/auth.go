package truenas

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/truenas/internal/scram"
)

// signIn runs on every (re)connect before queued calls proceed: core.set_options (new-style
// jobs where offered), the sign-in, the version when not pinned, and the job subscription.
func (c *Client) signIn(ctx context.Context, conn *jsonrpc.Conn) error {
	if err := c.setOptions(ctx, conn); err != nil {
		return err
	}
	if err := c.login(ctx, conn); err != nil {
		return err
	}
	c.mu.Lock()
	needVersion := c.version == ""
	c.mu.Unlock()
	if needVersion {
		var short string
		if err := c.rawCall(ctx, conn, "system.version_short", []any{}, &short); err != nil {
			return err
		}
		v := versionParts(short)
		c.mu.Lock()
		c.version = fmt.Sprintf("v%d.%d.%d", v[0], v[1], v[2])
		c.mu.Unlock()
	}
	if c.jobs.wanted() {
		if err := c.jobs.subscribe(ctx, c, conn); err != nil {
			return err
		}
	}
	return nil
}

// setOptions asks for new-style jobs, as the vendor's client does on every connection. An
// endpoint from v25.10.0 answers the options in effect; older ones answer null (legacy jobs).
func (c *Client) setOptions(ctx context.Context, conn *jsonrpc.Conn) error {
	var res json.RawMessage
	err := c.rawCall(ctx, conn, "core.set_options", []any{map[string]any{"legacy_jobs": false}}, &res)
	var ae *APIError
	if err != nil && !errors.As(err, &ae) {
		return err
	}
	var opts struct {
		LegacyJobs *bool `json:"legacy_jobs"`
	}
	newStyle := err == nil && json.Unmarshal(res, &opts) == nil && opts.LegacyJobs != nil && !*opts.LegacyJobs
	c.newStyle.Store(newStyle)
	return nil
}

// login signs in: by SCRAM-SHA-512 when auth.mechanism_choices offers it (TrueNAS 26.0+),
// else with the plain mechanisms.
func (c *Client) login(ctx context.Context, conn *jsonrpc.Conn) error {
	s := c.settings
	switch {
	case !s.Token.IsZero() && c.keyUser != "":
		key := s.Token.Reveal()
		if id, material, ok := splitAPIKey(key); ok && c.offersSCRAM(ctx, conn) {
			done, err := c.loginSCRAM(ctx, conn, c.keyUser, id, material)
			if done || err != nil {
				return err
			}
		}
		return c.loginEx(ctx, conn, map[string]any{"mechanism": "API_KEY_PLAIN", "username": c.keyUser, "api_key": key})
	case !s.Token.IsZero():
		var ok bool
		err := c.rawCall(ctx, conn, "auth.login_with_api_key", []any{s.Token.Reveal()}, &ok)
		if err == nil && !ok {
			err = loginFailed("auth.login_with_api_key", "false")
		}
		return err
	default:
		if c.offersSCRAM(ctx, conn) {
			done, err := c.loginSCRAM(ctx, conn, s.Username, 0, s.Password.Reveal())
			if done || err != nil {
				return err
			}
		}
		return c.loginEx(ctx, conn, map[string]any{"mechanism": "PASSWORD_PLAIN", "username": s.Username, "password": s.Password.Reveal()})
	}
}

// splitAPIKey splits "<id>-<material>".
func splitAPIKey(key string) (int64, string, bool) {
	id, material, ok := strings.Cut(key, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	return n, material, ok && err == nil && n > 0 && material != ""
}

// offersSCRAM asks auth.mechanism_choices. An error (the method is absent, or broken before
// sign-in on 25.04.2 to 25.10.2) means no SCRAM; so does an endpoint older than v26.0.0.
func (c *Client) offersSCRAM(ctx context.Context, conn *jsonrpc.Conn) bool {
	c.mu.Lock()
	v := c.version
	c.mu.Unlock()
	if v != "" && compareVersions(v, "v26.0.0") < 0 {
		return false
	}
	var mechs []string
	if err := c.rawCall(ctx, conn, "auth.mechanism_choices", []any{}, &mechs); err != nil {
		return false
	}
	return slices.Contains(mechs, "SCRAM")
}

type scramResponse struct {
	ResponseType string `json:"response_type"`
	ScramType    string `json:"scram_type"`
	RFCStr       string `json:"rfc_str"`
}

// loginSCRAM runs the SCRAM-SHA-512 exchange, bound to the server's TLS certificate
// (tls-server-end-point) over TLS. done is false when the endpoint refuses the mechanism
// itself (-32602), so that the caller signs in with the plain mechanism instead.
func (c *Client) loginSCRAM(ctx context.Context, conn *jsonrpc.Conn, user string, keyID int64, secret string) (done bool, err error) {
	var binding []byte
	if st := conn.TLSConnectionState(); st != nil && len(st.PeerCertificates) > 0 {
		binding, _ = scram.EndPoint(st.PeerCertificates[0]) // none for Ed25519 certificates
	}
	nonce := make([]byte, scram.NonceSize)
	_, _ = rand.Read(nonce)
	sc, err := scram.NewClient(user, keyID, secret, binding, nonce)
	if err != nil {
		return true, sitekit.Invalid("Username", user, err.Error())
	}
	sc.Derive = c.scram.derive(secret)
	var first scramResponse
	err = c.rawCall(ctx, conn, "auth.login_ex", []any{map[string]any{"mechanism": "SCRAM", "scram_type": "CLIENT_FIRST_MESSAGE", "rfc_str": sc.First()}}, &first)
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == CodeInvalidParams {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if first.ResponseType != "SCRAM_RESPONSE" || first.ScramType != "SERVER_FIRST_RESPONSE" {
		return true, loginFailed("auth.login_ex", first.ResponseType)
	}
	final, err := sc.Final(first.RFCStr)
	if err != nil {
		return true, loginFailed("auth.login_ex", err.Error())
	}
	var last scramResponse
	if err := c.rawCall(ctx, conn, "auth.login_ex", []any{map[string]any{"mechanism": "SCRAM", "scram_type": "CLIENT_FINAL_MESSAGE", "rfc_str": final}}, &last); err != nil {
		return true, err
	}
	if last.ResponseType != "SCRAM_RESPONSE" || last.ScramType != "SERVER_FINAL_RESPONSE" {
		return true, loginFailed("auth.login_ex", last.ResponseType)
	}
	if err := sc.Verify(last.RFCStr); err != nil {
		_ = c.rawCall(ctx, conn, "auth.logout", []any{}, nil)
		return true, loginFailed("auth.login_ex", err.Error())
	}
	return true, nil
}

// scramCache keeps the keys derived from the secret for a salt and iteration count, so that
// a reconnect does not run PBKDF2 again (TrueNAS uses 500000 iterations).
type scramCache struct {
	mu   sync.Mutex
	salt string
	iter int
	keys scram.Keys
}

func (sc *scramCache) derive(secret string) func(salt []byte, iter int) (scram.Keys, error) {
	return func(salt []byte, iter int) (scram.Keys, error) {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if sc.salt == string(salt) && sc.iter == iter && sc.keys.ClientKey != nil {
			return sc.keys, nil
		}
		k, err := scram.Derive(secret, salt, iter)
		if err == nil {
			sc.salt, sc.iter, sc.keys = string(salt), iter, k
		}
		return k, err
	}
}

func (c *Client) loginEx(ctx context.Context, conn *jsonrpc.Conn, params map[string]any) error {
	var res struct {
		ResponseType string `json:"response_type"`
	}
	if err := c.rawCall(ctx, conn, "auth.login_ex", []any{params}, &res); err != nil {
		return err
	}
	if res.ResponseType != "SUCCESS" {
		return loginFailed("auth.login_ex", res.ResponseType)
	}
	return nil
}

func loginFailed(method, what string) error {
	return &APIError{Method: method, Message: "login refused: " + what, Kind: sitekit.ErrUnauthorized, ErrName: what}
}

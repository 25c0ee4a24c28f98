package truenastest

import (
	"strconv"
	"strings"

	"github.com/sitekit/sitekit/truenas/internal/scram"
)

// SCRAM-SHA-512 sign-in (auth.login_ex mechanism "SCRAM", TrueNAS 26.0): the flow of
// plugins/auth.py and plugins/auth_/login_ex_impl.py at TS-26.0.0-BETA.3. The client-first
// message names "user:<key id>" for an API key and "user" for a password; the server answers
// SERVER_FIRST_RESPONSE, then checks the proof of the client-final message (sent to
// auth.login_ex or auth.login_ex_continue) and answers SERVER_FINAL_RESPONSE with user_info.
// Channel binding (tls-server-end-point) is negotiated: a client may ask for it over TLS and
// it is then verified against the served certificate; asked for over plain ws:// it is
// refused (docs/source/middleware/session.rst at TS-26.0.0-BETA.3).

// scramIterations is the PBKDF2 iteration count of the simulator's credentials: the minimum
// the protocol allows (truenas_scram SCRAM_MIN_ITERS), where TrueNAS stores API keys with
// 500000 (alembic 2026-02-06 convert-api-keys), to keep sign-ins cheap in tests.
const scramIterations = scram.MinIterations

// scramState is an exchange in progress on a connection.
type scramState struct {
	srv   *scram.Server
	keyID int64
}

// scramOffered reports whether the impersonated release signs in by SCRAM (26.0+).
func (s *Server) scramOffered() bool { return truenasCompare("v"+s.cfg.release+".0", "v26.0.0") >= 0 }

// scramKeys returns the stored keys of the API key (keyID > 0) or of the password, derived
// once (under s.mu).
func (s *Server) scramKeys(keyID int64) (scram.Keys, bool) {
	id, material, ok := strings.Cut(s.cfg.apiKey, "-")
	secret, name := s.cfg.password, "password"
	if keyID != 0 {
		if !ok || id != strconv.FormatInt(keyID, 10) || s.keyState[s.cfg.apiKey] {
			return scram.Keys{}, false
		}
		secret, name = material, "key"
	}
	if k, ok := s.scramCache[name]; ok {
		return k, true
	}
	k, err := scram.Derive(secret, s.scramSalt, scramIterations)
	if err != nil {
		return scram.Keys{}, false
	}
	if s.scramCache == nil {
		s.scramCache = map[string]scram.Keys{}
	}
	s.scramCache[name] = k
	return k, true
}

var authErr = map[string]any{"response_type": "AUTH_ERR"}

// loginSCRAM runs one step of the exchange.
func (c *call) loginSCRAM(step, rfc string) (any, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch step {
	case "CLIENT_FIRST_MESSAGE":
		c.ss.scram = nil
		cf, err := scram.ParseClientFirst(rfc)
		if err != nil || cf.User != s.cfg.username {
			return authErr, nil
		}
		keys, ok := s.scramKeys(cf.KeyID)
		if !ok {
			return authErr, nil
		}
		var binding []byte
		if c.ss.tls {
			binding = s.binding
		}
		nonce := []byte(s.st.hex(scram.NonceSize))[:scram.NonceSize]
		srv, err := scram.NewServer(cf, keys, s.scramSalt, scramIterations, nonce, binding)
		if err != nil {
			return authErr, nil
		}
		c.ss.scram = &scramState{srv: srv, keyID: cf.KeyID}
		return map[string]any{"response_type": "SCRAM_RESPONSE", "scram_type": "SERVER_FIRST_RESPONSE",
			"rfc_str": srv.First(), "user_info": nil}, nil
	case "CLIENT_FINAL_MESSAGE":
		st := c.ss.scram
		c.ss.scram = nil
		if st == nil {
			return nil, callError(14, "SCRAM authentication is not in progress")
		}
		final, err := st.srv.Final(rfc)
		if err != nil {
			return authErr, nil
		}
		c.ss.authed, c.ss.user = true, s.cfg.username
		return map[string]any{"response_type": "SCRAM_RESPONSE", "scram_type": "SERVER_FINAL_RESPONSE",
			"rfc_str": final, "user_info": s.userInfo()}, nil
	}
	return nil, badParams("login_data.scram_type", "Input should be 'CLIENT_FIRST_MESSAGE' or 'CLIENT_FINAL_MESSAGE'")
}

// userInfo is the user_info of a successful sign-in (auth.me).
func (s *Server) userInfo() map[string]any {
	return map[string]any{"pw_name": s.cfg.username, "pw_uid": 950, "privilege": map[string]any{"roles": []string{"FULL_ADMIN"}}}
}

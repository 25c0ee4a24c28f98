// Package scram implements SCRAM-SHA-512 (RFC 5802) as the TrueNAS middleware speaks it in
// auth.login_ex mechanism "SCRAM" (TrueNAS 26.0+): the client-first user name carries the API
// key id ("n=user:10", plain "n=user" for a password), nonces are 32 random bytes and the
// server's nonce is the base64 of the client's nonce bytes followed by its own, and the
// optional channel binding is RFC 5929 tls-server-end-point. It serves the truenas client and
// the truenastest simulator.
package scram

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// Limits of the iteration count and nonce size (truenas_scram).
const (
	MinIterations = 50000
	MaxIterations = 5000000
	NonceSize     = 32
)

// BindingType is the channel binding type TrueNAS supports.
const BindingType = "tls-server-end-point"

var b64 = base64.StdEncoding

// Keys are the keys derived from a secret: ClientKey stays with the client, the server stores
// StoredKey and ServerKey.
type Keys struct {
	ClientKey, StoredKey, ServerKey []byte
}

// Derive computes the keys of secret for salt and iterations (PBKDF2-HMAC-SHA512).
func Derive(secret string, salt []byte, iterations int) (Keys, error) {
	salted, err := pbkdf2.Key(sha512.New, secret, salt, iterations, sha512.Size)
	if err != nil {
		return Keys{}, err
	}
	ck := mac(salted, []byte("Client Key"))
	sk := sha512.Sum512(ck)
	return Keys{ClientKey: ck, StoredKey: sk[:], ServerKey: mac(salted, []byte("Server Key"))}, nil
}

func mac(key, data []byte) []byte {
	m := hmac.New(sha512.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// EndPoint returns the tls-server-end-point channel binding of a certificate: its DER hashed
// with the hash of its signature algorithm, MD5 and SHA-1 promoted to SHA-256. Signature
// algorithms without a single hash (Ed25519) have none.
func EndPoint(cert *x509.Certificate) ([]byte, error) {
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1,
		x509.SHA256WithRSA, x509.ECDSAWithSHA256, x509.DSAWithSHA256, x509.SHA256WithRSAPSS:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h = sha512.New()
	default:
		return nil, fmt.Errorf("scram: tls-server-end-point is undefined for signature algorithm %v", cert.SignatureAlgorithm)
	}
	h.Write(cert.Raw)
	return h.Sum(nil), nil
}

// Client is one client-side exchange.
type Client struct {
	// Derive, when set, replaces [Derive] (a cache of derived keys).
	Derive func(salt []byte, iterations int) (Keys, error)

	keys      Keys // filled by Final
	secret    string
	binding   []byte // nil: no channel binding
	gs2       string // "n,," or "p=tls-server-end-point,,"
	nonce     []byte
	first     string // client-first-message-bare
	authMsg   string
	serverKey []byte
}

// NewClient starts an exchange for user (with the API key id, 0 for a password) and secret
// (the key material after "<id>-", or the password). binding is the tls-server-end-point of
// the server certificate, nil for none. nonce must be NonceSize random bytes.
func NewClient(user string, keyID int64, secret string, binding, nonce []byte) (*Client, error) {
	if user == "" || strings.ContainsAny(user, ",=") {
		return nil, fmt.Errorf("scram: user name %q must be non-empty without ',' or '='", user)
	}
	if len(nonce) != NonceSize {
		return nil, fmt.Errorf("scram: nonce must be %d bytes", NonceSize)
	}
	name := user
	if keyID != 0 {
		name += ":" + strconv.FormatInt(keyID, 10)
	}
	c := &Client{secret: secret, binding: binding, gs2: "n,,", nonce: bytes.Clone(nonce)}
	if binding != nil {
		c.gs2 = "p=" + BindingType + ",,"
	}
	c.first = "n=" + name + ",r=" + b64.EncodeToString(nonce)
	return c, nil
}

// First returns the client-first-message.
func (c *Client) First() string { return c.gs2 + c.first }

// Final checks the server-first-message and returns the client-final-message.
func (c *Client) Final(serverFirst string) (string, error) {
	sf, err := ParseServerFirst(serverFirst)
	if err != nil {
		return "", err
	}
	if !bytes.HasPrefix(sf.Nonce, c.nonce) || len(sf.Nonce) != 2*NonceSize {
		return "", errors.New("scram: server nonce does not extend the client nonce")
	}
	derive := c.Derive
	if derive == nil {
		derive = func(salt []byte, iter int) (Keys, error) { return Derive(c.secret, salt, iter) }
	}
	keys, err := derive(sf.Salt, sf.Iterations)
	if err != nil {
		return "", err
	}
	c.keys, c.serverKey = keys, keys.ServerKey
	withoutProof := "c=" + b64.EncodeToString(append([]byte(c.gs2), c.binding...)) + ",r=" + b64.EncodeToString(sf.Nonce)
	c.authMsg = c.first + "," + serverFirst + "," + withoutProof
	sig := mac(keys.StoredKey, []byte(c.authMsg))
	proof := make([]byte, len(sig))
	subtle.XORBytes(proof, keys.ClientKey, sig)
	return withoutProof + ",p=" + b64.EncodeToString(proof), nil
}

// Verify checks the server-final-message (the server's signature).
func (c *Client) Verify(serverFinal string) error {
	v, ok := strings.CutPrefix(serverFinal, "v=")
	if !ok || strings.Contains(v, ",") {
		return fmt.Errorf("scram: malformed server-final-message %q", serverFinal)
	}
	got, err := b64.DecodeString(v)
	if err != nil {
		return fmt.Errorf("scram: server signature: %w", err)
	}
	if c.authMsg == "" || !hmac.Equal(got, mac(c.serverKey, []byte(c.authMsg))) {
		return errors.New("scram: the server's signature does not match: it does not know the credential")
	}
	return nil
}

// ServerFirst is a parsed server-first-message.
type ServerFirst struct {
	Nonce      []byte
	Salt       []byte
	Iterations int
}

// ParseServerFirst parses "r=<nonce>,s=<salt>,i=<iterations>".
func ParseServerFirst(s string) (ServerFirst, error) {
	var sf ServerFirst
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return sf, fmt.Errorf("scram: malformed server-first-message %q", s)
	}
	var err error
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "r":
			sf.Nonce, err = b64.DecodeString(v)
		case "s":
			sf.Salt, err = b64.DecodeString(v)
		case "i":
			sf.Iterations, err = strconv.Atoi(v)
		default:
			err = fmt.Errorf("unknown attribute %q", k)
		}
		if err != nil {
			return sf, fmt.Errorf("scram: server-first-message: %w", err)
		}
	}
	if sf.Iterations < MinIterations || sf.Iterations > MaxIterations {
		return sf, fmt.Errorf("scram: iteration count %d outside [%d, %d]", sf.Iterations, MinIterations, MaxIterations)
	}
	if len(sf.Nonce) != NonceSize && len(sf.Nonce) != 2*NonceSize || len(sf.Salt) == 0 {
		return sf, errors.New("scram: server-first-message: bad nonce or salt size")
	}
	return sf, nil
}

// ClientFirst is a parsed client-first-message.
type ClientFirst struct {
	GS2     string // "n,,", "y,,", "p=tls-server-end-point,,"
	Binding string // channel binding type requested, "" for none
	User    string
	KeyID   int64 // 0: password
	Nonce   []byte
	Bare    string
}

// ParseClientFirst parses "<gs2>n=<user>[:<key id>],r=<nonce>".
func ParseClientFirst(s string) (ClientFirst, error) {
	var cf ClientFirst
	i := strings.Index(s, ",,")
	if i < 0 {
		return cf, fmt.Errorf("scram: malformed client-first-message %q", s)
	}
	cf.GS2, cf.Bare = s[:i+2], s[i+2:]
	switch flag := s[:i]; {
	case flag == "n" || flag == "y":
	case strings.HasPrefix(flag, "p="):
		cf.Binding = flag[2:]
	default:
		return cf, fmt.Errorf("scram: unknown gs2 header %q", cf.GS2)
	}
	name, rest, ok := strings.Cut(cf.Bare, ",")
	user, found := strings.CutPrefix(name, "n=")
	nonce, found2 := strings.CutPrefix(rest, "r=")
	if !ok || !found || !found2 || user == "" {
		return cf, fmt.Errorf("scram: malformed client-first-message %q", s)
	}
	if u, id, ok := strings.Cut(user, ":"); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return cf, fmt.Errorf("scram: bad API key id in %q", user)
		}
		user, cf.KeyID = u, n
	}
	cf.User = user
	var err error
	if cf.Nonce, err = b64.DecodeString(nonce); err != nil || len(cf.Nonce) != NonceSize {
		return cf, errors.New("scram: client-first-message: bad nonce")
	}
	return cf, nil
}

// Server is one server-side exchange.
type Server struct {
	cf       ClientFirst
	keys     Keys
	nonce    []byte
	first    string // server-first-message
	expectCB []byte // gs2 header + binding data expected in c=
}

// NewServer answers a client-first-message for credentials stored as keys, with salt,
// iterations and serverNonce (NonceSize random bytes). binding is the server certificate's
// tls-server-end-point, nil when the connection is not TLS: a client asking for channel
// binding is then refused.
func NewServer(cf ClientFirst, keys Keys, salt []byte, iterations int, serverNonce, binding []byte) (*Server, error) {
	if cf.Binding != "" && (cf.Binding != BindingType || binding == nil) {
		return nil, fmt.Errorf("scram: channel binding %q not available on this connection", cf.Binding)
	}
	s := &Server{cf: cf, keys: keys, nonce: append(bytes.Clone(cf.Nonce), serverNonce...)}
	s.expectCB = []byte(cf.GS2)
	if cf.Binding != "" {
		s.expectCB = append(s.expectCB, binding...)
	}
	s.first = "r=" + b64.EncodeToString(s.nonce) + ",s=" + b64.EncodeToString(salt) + ",i=" + strconv.Itoa(iterations)
	return s, nil
}

// First returns the server-first-message.
func (s *Server) First() string { return s.first }

// Final checks the client-final-message and returns the server-final-message.
func (s *Server) Final(clientFinal string) (string, error) {
	var cb, nonce, proof string
	for _, p := range strings.Split(clientFinal, ",") {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "c":
			cb = v
		case "r":
			nonce = v
		case "p":
			proof = v
		default:
			return "", fmt.Errorf("scram: unknown attribute %q in client-final-message", k)
		}
	}
	gotCB, err1 := b64.DecodeString(cb)
	gotNonce, err2 := b64.DecodeString(nonce)
	gotProof, err3 := b64.DecodeString(proof)
	switch {
	case err1 != nil || err2 != nil || err3 != nil || len(gotProof) != sha512.Size:
		return "", errors.New("scram: malformed client-final-message")
	case !bytes.Equal(gotCB, s.expectCB):
		return "", errors.New("scram: channel binding mismatch")
	case !bytes.Equal(gotNonce, s.nonce):
		return "", errors.New("scram: nonce mismatch")
	}
	authMsg := s.cf.Bare + "," + s.first + ",c=" + cb + ",r=" + nonce
	sig := mac(s.keys.StoredKey, []byte(authMsg))
	ck := make([]byte, len(sig))
	subtle.XORBytes(ck, gotProof, sig)
	if h := sha512.Sum512(ck); subtle.ConstantTimeCompare(h[:], s.keys.StoredKey) != 1 {
		return "", errors.New("scram: authentication failed")
	}
	return "v=" + b64.EncodeToString(mac(s.keys.ServerKey, []byte(authMsg))), nil
}

package sitekit

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// TLSConfig describes how a client trusts an appliance. The zero value verifies the
// certificate chain against the system roots, as a browser would.
type TLSConfig struct {
	// CAPEM holds extra PEM root certificates (an internal CA), used instead of system roots.
	CAPEM []byte
	// CertSHA256 pins the leaf certificate: lowercase or uppercase hex, colons allowed, as
	// shown by an appliance's web UI. Several pins allow rotation. When any pin is set the
	// chain is not checked against a CA: the pin is the check, run on every connection.
	CertSHA256 []string
	// SPKISHA256 pins the leaf's public key (survives re-issuing a certificate on the same key).
	SPKISHA256 []string
	// ServerName overrides the name used for SNI and chain verification.
	ServerName string
}

// Build returns the *tls.Config for c. Pins are verified in VerifyConnection, so resumed
// sessions are checked too.
func (c TLSConfig) Build() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if len(c.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(c.CAPEM) {
			return nil, Invalid("TLS.CAPEM", "(pem)", "no certificate could be parsed")
		}
		cfg.RootCAs = pool
	}
	certPins, err := normalizePins("TLS.CertSHA256", c.CertSHA256)
	if err != nil {
		return nil, err
	}
	spkiPins, err := normalizePins("TLS.SPKISHA256", c.SPKISHA256)
	if err != nil {
		return nil, err
	}
	if len(certPins) == 0 && len(spkiPins) == 0 {
		return cfg, nil
	}
	// Pinning replaces chain verification (appliances are self-signed) but is never skipped:
	// VerifyConnection runs for every handshake, including resumptions.
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return &PinMismatchError{Want: append(certPins, spkiPins...)}
		}
		leaf := cs.PeerCertificates[0]
		got := Fingerprint(leaf)
		if slices.Contains(certPins, got) {
			return nil
		}
		spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
		if slices.Contains(spkiPins, hex.EncodeToString(spki[:])) {
			return nil
		}
		return &PinMismatchError{Got: got, Want: append(slices.Clone(certPins), spkiPins...)}
	}
	return cfg, nil
}

// IsZero reports whether c is the default (system roots).
func (c TLSConfig) IsZero() bool {
	return len(c.CAPEM) == 0 && len(c.CertSHA256) == 0 && len(c.SPKISHA256) == 0 && c.ServerName == ""
}

func normalizePins(field string, pins []string) ([]string, error) {
	out := make([]string, 0, len(pins))
	for i, p := range pins {
		n := NormalizeFingerprint(p)
		if b, err := hex.DecodeString(n); err != nil || len(b) != sha256.Size {
			return nil, Invalid(fmt.Sprintf("%s[%d]", field, i), p, "must be a SHA-256 fingerprint (64 hex digits, colons allowed)")
		}
		out = append(out, n)
	}
	return out, nil
}

// NormalizeFingerprint lowercases a hex fingerprint and removes colons and spaces.
func NormalizeFingerprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// Fingerprint returns the lowercase hex SHA-256 of a certificate's DER bytes.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// PinMismatchError reports a server certificate matching none of the pins. Got is the
// observed fingerprint, to show to a human who may decide to trust it.
type PinMismatchError struct {
	Got  string
	Want []string
}

// Error implements error.
func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("tls: certificate pin mismatch: server presented sha256 %s, expected one of %v", e.Got, e.Want)
}

// Is reports whether target is [ErrUnauthorized]: the peer is not who we trust.
func (e *PinMismatchError) Is(target error) bool { return target == ErrUnauthorized }

// FetchFingerprint connects to addr ("host:port") and returns the SHA-256 fingerprint of the
// certificate it presents, for trust-on-first-use enrolment: show it to a human or record it in
// a CMDB, then pin it. It never trusts anything by itself and sends nothing but a handshake.
func FetchFingerprint(ctx context.Context, addr string) (string, error) {
	d := tls.Dialer{Config: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}} //nolint:gosec // reading only, nothing is sent
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sitekit: fetch fingerprint of %s: %w", addr, err)
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", fmt.Errorf("sitekit: fetch fingerprint of %s: no certificate presented", addr)
	}
	return Fingerprint(certs[0]), nil
}

package sitekit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
)

type creds struct {
	User  string
	Token sitekit.Secret
	inner struct{ pass sitekit.Secret }
}

func TestSecretNeverPrints(t *testing.T) {
	c := creds{User: "admin", Token: sitekit.NewSecret("hunter2")}
	c.inner.pass = sitekit.NewSecret("hunter2")
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "creds", c, "tok", c.Token)
	log2 := slog.New(slog.NewTextHandler(&buf, nil))
	log2.Info("x", "creds", c, "tok", c.Token)
	js, err := json.Marshal(c)
	require.NoError(t, err)
	for _, s := range []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.Token, c.Token, c.Token),
		string(js), buf.String(),
	} {
		assert.NotContains(t, s, "hunter2")
	}
	assert.Equal(t, "hunter2", c.Token.Reveal())
	assert.Equal(t, "[redacted]", c.Token.String())
	s, err := sitekit.Apply(sitekit.WithToken(c.Token), sitekit.WithCredentials("u", sitekit.NewSecret("pw-hunter2")))
	require.NoError(t, err)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", s, s, s), "hunter2")
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		opt   sitekit.Option
		field string
	}{
		{sitekit.WithToken(sitekit.Secret{}), "Token"},
		{sitekit.WithCredentials("", sitekit.NewSecret("x")), "Username"},
		{sitekit.WithCertSHA256("abc"), "CertSHA256[0]"},
		{sitekit.WithSPKISHA256("zz"), "SPKISHA256[0]"},
		{sitekit.WithCA([]byte("not pem")), "CA"},
		{sitekit.WithTimeout(0), "Timeout"},
		{sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: -1}), "Retry.MaxAttempts"},
		{sitekit.WithHTTPClient(nil), "HTTPClient"},
		{sitekit.WithMaxConcurrentWrites(-2), "MaxConcurrentWrites"},
	}
	for _, tc := range cases {
		_, err := sitekit.Apply(tc.opt)
		var fe *sitekit.FieldError
		require.ErrorAs(t, err, &fe, tc.field)
		assert.Equal(t, tc.field, fe.Field)
		assert.True(t, errors.Is(err, sitekit.ErrInvalid))
	}
	fp := "AB:CD:" + "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00"
	s, err := sitekit.Apply(sitekit.WithCertSHA256(fp))
	require.NoError(t, err)
	cfg, err := s.TLS.Build()
	require.NoError(t, err)
	assert.NotNil(t, cfg.VerifyConnection, "a pin is verified on every connection")
}

func TestSettingsValues(t *testing.T) {
	type key struct{}
	s, err := sitekit.Apply(func(s *sitekit.Settings) error { s.Set(key{}, "root"); return nil })
	require.NoError(t, err)
	assert.Equal(t, "root", s.Value(key{}))
	assert.True(t, sitekit.IsLoopback("127.0.0.1"))
	assert.True(t, sitekit.IsLoopback("::1"))
	assert.True(t, sitekit.IsLoopback("localhost"))
	assert.False(t, sitekit.IsLoopback("10.0.0.1"))
}

package scram

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors generated with the vendor's own implementation (truenas/api_client py_scram at
// a0c890a): user "svc", API key id 3, key material "abc", client nonce bytes 0..31, server
// nonce bytes 32..63, salt "0123456789abcdef", 50000 iterations; with and without a
// tls-server-end-point binding of 32 bytes 0xAA.
const (
	vecServerFirst = "r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==,s=MDEyMzQ1Njc4OWFiY2RlZg==,i=50000"
	vecFinal       = "c=biws,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==,p=73yBIkjP8TZKb5B6JHm0zPu/PVgW+h/4MOBtKWIPu6mZTytnZ0smyqM3d8HC3dlr4Ze+MAixGRp31NgV0p0dOQ=="
	vecServerFinal = "v=24KCjRY7cSg5p4/B9Gqr11UCHZxcxLCC+sSdpVReMfPR5B0iib1PCY68nAL+54sb0L03JzecQZ+y510CfMJ6hA=="
	vecFinalCB     = "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==,p=IBOwKNWEVjICkeJh1KZrveCIOZ0GaZGoTy4ZwZvqksYBudcXHbNZy7bFxHu3TxhRIKS0ALHy1XvoyzpD00+A1w=="
)

func seq(from int) []byte {
	b := make([]byte, NonceSize)
	for i := range b {
		b[i] = byte(from + i)
	}
	return b
}

func TestClientMatchesVendorVectors(t *testing.T) {
	c, err := NewClient("svc", 3, "abc", nil, seq(0))
	require.NoError(t, err)
	assert.Equal(t, "n,,n=svc:3,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", c.First())
	final, err := c.Final(vecServerFirst)
	require.NoError(t, err)
	assert.Equal(t, vecFinal, final)
	require.NoError(t, c.Verify(vecServerFinal))
	require.Error(t, c.Verify("v=AAAA"))

	cb, err := NewClient("svc", 3, "abc", bytes.Repeat([]byte{0xAA}, 32), seq(0))
	require.NoError(t, err)
	assert.Equal(t, "p=tls-server-end-point,,n=svc:3,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", cb.First())
	final, err = cb.Final(vecServerFirst)
	require.NoError(t, err)
	assert.Equal(t, vecFinalCB, final)
}

func TestServerAcceptsVendorClient(t *testing.T) {
	salt := []byte("0123456789abcdef")
	keys, err := Derive("abc", salt, 50000)
	require.NoError(t, err)
	for _, tc := range []struct {
		first, final string
		binding      []byte
	}{
		{"n,,n=svc:3,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", vecFinal, nil},
		{"p=tls-server-end-point,,n=svc:3,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", vecFinalCB, bytes.Repeat([]byte{0xAA}, 32)},
	} {
		cf, err := ParseClientFirst(tc.first)
		require.NoError(t, err)
		assert.Equal(t, "svc", cf.User)
		assert.Equal(t, int64(3), cf.KeyID)
		s, err := NewServer(cf, keys, salt, 50000, seq(32), tc.binding)
		require.NoError(t, err)
		assert.Equal(t, vecServerFirst, s.First())
		sf, err := s.Final(tc.final)
		require.NoError(t, err)
		if tc.binding == nil {
			assert.Equal(t, vecServerFinal, sf)
		}
	}
	// a binding request on a connection without TLS is refused
	cf, err := ParseClientFirst("p=tls-server-end-point,,n=svc:3,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	require.NoError(t, err)
	_, err = NewServer(cf, keys, salt, 50000, seq(32), nil)
	require.Error(t, err)
	// a wrong key fails the proof
	wrong, err := Derive("abd", salt, 50000)
	require.NoError(t, err)
	cf, _ = ParseClientFirst("n,,n=svc:3,r=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	s, err := NewServer(cf, wrong, salt, 50000, seq(32), nil)
	require.NoError(t, err)
	_, err = s.Final(vecFinal)
	require.Error(t, err)
}

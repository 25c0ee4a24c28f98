package temporal

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/sitekit/sitekit/blueprint"
)

func TestEncryptionCodecSealsPayloads(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	codec, err := NewEncryptionCodec("k1", key, nil)
	require.NoError(t, err)
	dc := codec.DataConverter()

	spec := SiteSpec{Site: blueprint.Site{Name: "pv-pessac", Credentials: blueprint.Credentials{OffsiteSecretKey: "env:S3_SECRET"}}}
	p, err := dc.ToPayload(spec)
	require.NoError(t, err)
	assert.Equal(t, EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	assert.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	assert.NotContains(t, string(p.Data), "pv-pessac", "the server sees ciphertext only")

	var back SiteSpec
	require.NoError(t, dc.FromPayload(p, &back))
	assert.Equal(t, spec.Site.Name, back.Site.Name)
	assert.Equal(t, spec.Site.Credentials, back.Site.Credentials)

	// Rotation: a codec sealing with k2 still opens what k1 sealed.
	rotated, err := NewEncryptionCodec("k2", bytes.Repeat([]byte{9}, 32), map[string][]byte{"k1": key})
	require.NoError(t, err)
	out, err := rotated.Decode([]*commonpb.Payload{p})
	require.NoError(t, err)
	assert.Contains(t, string(out[0].Data), "pv-pessac")

	// Without the key, or with a tampered payload, decoding fails.
	other, err := NewEncryptionCodec("k2", bytes.Repeat([]byte{9}, 32), nil)
	require.NoError(t, err)
	_, err = other.Decode([]*commonpb.Payload{p})
	assert.ErrorContains(t, err, `unknown key "k1"`)
	tampered := &commonpb.Payload{Metadata: p.Metadata, Data: append([]byte(nil), p.Data...)}
	tampered.Data[len(tampered.Data)-1] ^= 1
	_, err = codec.Decode([]*commonpb.Payload{tampered})
	assert.Error(t, err)

	// Payloads it did not seal pass through.
	plain := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/plain")}, Data: []byte(`1`)}
	out, err = codec.Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	assert.Same(t, plain, out[0])

	_, err = NewEncryptionCodec("k", []byte("short"), nil)
	assert.ErrorContains(t, err, "want 32")
}

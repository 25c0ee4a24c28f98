package temporal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload.
const (
	// EncodingEncrypted is the "encoding" metadata of payloads sealed by [EncryptionCodec].
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that sealed a payload.
	MetadataKeyID = "encryption-key-id"
)

// EncryptionCodec is a payload codec that seals every payload (workflow inputs and
// results, activity inputs and results, signals, queries, failures' details) with
// AES-256-GCM before it leaves the process, so the Temporal server and its database only
// store ciphertext: site specs, plans and outputs are unreadable there. Each payload
// records the ID of the key that sealed it; a codec holding older keys decodes payloads
// sealed with them (key rotation).
//
// Every client and worker must use a data converter built with the same codec
// ([EncryptionCodec.DataConverter]); the Web UI and CLI show ciphertext unless pointed at
// a codec server serving this codec (converter.NewPayloadCodecHTTPHandler).
type EncryptionCodec struct {
	keyID string
	keys  map[string]cipher.AEAD
}

// NewEncryptionCodec returns a codec sealing with key (32 bytes, AES-256) under keyID;
// older maps the IDs of retired keys to their bytes, for decoding only.
func NewEncryptionCodec(keyID string, key []byte, older map[string][]byte) (*EncryptionCodec, error) {
	if keyID == "" {
		return nil, errors.New("encryption codec: empty key ID")
	}
	c := &EncryptionCodec{keyID: keyID, keys: map[string]cipher.AEAD{}}
	add := func(id string, k []byte) error {
		if len(k) != 32 {
			return fmt.Errorf("encryption codec: key %q is %d bytes, want 32 (AES-256)", id, len(k))
		}
		b, err := aes.NewCipher(k)
		if err != nil {
			return err
		}
		aead, err := cipher.NewGCM(b)
		if err != nil {
			return err
		}
		c.keys[id] = aead
		return nil
	}
	for id, k := range older {
		if err := add(id, k); err != nil {
			return nil, err
		}
	}
	if err := add(keyID, key); err != nil {
		return nil, err
	}
	return c, nil
}

// DataConverter returns the default data converter with this codec applied.
func (c *EncryptionCodec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// Encode seals each payload into a new one; the inputs are not modified.
func (c *EncryptionCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.keys[c.keyID]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if p == nil {
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encryption codec: %w", err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encryption codec: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(c.keyID)},
			Data:     aead.Seal(nonce, nonce, plain, []byte(c.keyID)),
		}
	}
	return out, nil
}

// Decode opens the payloads this codec (or one holding the same keys) sealed; other
// payloads are returned as they are.
func (c *EncryptionCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if p == nil || string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.keys[id]
		if !ok {
			return nil, fmt.Errorf("encryption codec: unknown key %q", id)
		}
		n := aead.NonceSize()
		if len(p.GetData()) < n {
			return nil, errors.New("encryption codec: payload too short")
		}
		plain, err := aead.Open(nil, p.Data[:n], p.Data[n:], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("encryption codec: key %q: %w", id, err)
		}
		var dec commonpb.Payload
		if err := proto.Unmarshal(plain, &dec); err != nil {
			return nil, fmt.Errorf("encryption codec: %w", err)
		}
		out[i] = &dec
	}
	return out, nil
}

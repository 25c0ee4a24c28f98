package jsonrpc

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeMessage(t *testing.T) {
	m, err := decodeMessage([]byte(`{"jsonrpc":"2.0","id":3,"result":null}`))
	require.NoError(t, err)
	assert.Equal(t, kindResponse, m.kind)
	assert.Equal(t, uint64(3), m.id)
	assert.Equal(t, "null", string(m.result))

	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","id":"42","result":{"a":1}}`))
	require.NoError(t, err)
	assert.True(t, m.idOK)
	assert.Equal(t, uint64(42), m.id)

	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}`))
	require.NoError(t, err)
	assert.False(t, m.idOK)
	assert.Equal(t, -32700, m.err.Code)

	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","id":5,"error":"boom"}`))
	require.NoError(t, err)
	assert.Equal(t, CodeInternalError, m.err.Code)
	assert.Equal(t, `"boom"`, m.err.Message)

	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","id":6,"error":{"code":-32001,"message":"Method call error","data":{"error":2}},"result":1}`))
	require.NoError(t, err)
	assert.Nil(t, m.result, "error wins over result")
	assert.JSONEq(t, `{"error":2}`, string(m.err.Data))

	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","method":"collection_update","params":{"msg":"changed"}}`))
	require.NoError(t, err)
	assert.Equal(t, kindNotification, m.kind)
	assert.Equal(t, "collection_update", m.method)

	for _, bad := range []string{``, `[]`, `[{"id":1,"result":1}]`, `{}`, `{"id":1}`, `{"method":""}`, `nope`, `1`} {
		_, err := decodeMessage([]byte(bad))
		assert.Error(t, err, bad)
	}
	for _, id := range []string{`0`, `-1`, `1.5`, `"abc"`, `true`, `{}`} {
		_, ok := parseID(json.RawMessage(id))
		assert.False(t, ok, id)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"id":"722d","email":"admin@admin.net"}}`,
		`{"jsonrpc":"2.0","id":"6841f242","result":true}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Invalid params","data":{"error":22,"extra":[["a","b",22]]}}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Batch messages are not supported at this time"}}`,
		`{"jsonrpc":"2.0","method":"all","params":{"type":"enter","items":{}}}`,
		`{"jsonrpc":"2.0","method":"notify_unsubscribed","params":{"collection":"alert.list","error":null}}`,
		`{"id":3,"result":null}`,
		`{"id":3,"error":"text"}`,
		`[{"id":1}]`,
		`{"id":18446744073709551615,"result":0}`,
		`{"method":""}`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeMessage(data)
		if err != nil {
			if m != nil {
				t.Fatal("message returned with error")
			}
			return
		}
		switch m.kind {
		case kindNotification:
			if m.method == "" {
				t.Fatal("notification without method")
			}
		case kindResponse:
			if m.err == nil && m.result == nil {
				t.Fatal("response without result or error")
			}
			if m.err != nil && m.result != nil {
				t.Fatal("response with both result and error")
			}
			if m.idOK && m.id == 0 {
				t.Fatal("id 0 accepted")
			}
		default:
			t.Fatalf("unknown kind %d", m.kind)
		}
	})
}

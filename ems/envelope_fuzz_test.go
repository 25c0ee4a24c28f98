package ems

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"result":{"retval":1,"message":"ok"},"data":{"endpoints":[{"device_id":"7","is_quarantined":1}],"total":1}}`,
		`{"result":{"retval":-4,"message":"Session has expired or does not exist."}}`,
		`{"result":{"retval":"1","message":null},"data":null}`,
		`{"result":{"retval":1.0,"message":3},"data":[{"profiles":[{"id":"2","name":"x"}]}]}`,
		`{"result":null}`, `<html>403</html>`, `{"data":1}`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var page endpointPage
		env := envelope{Data: &page}
		err := decodeEnvelope(b, &env)
		if err != nil {
			return
		}
		if env.Result == nil {
			t.Fatal("nil result without error")
		}
		// A decoded envelope re-encodes and decodes to the same result.
		again, err := json.Marshal(map[string]any{"result": env.Result})
		if err != nil {
			t.Fatal(err)
		}
		var env2 envelope
		if err := decodeEnvelope(again, &env2); err != nil {
			t.Fatalf("re-decode %s: %v", again, err)
		}
		if *env2.Result != *env.Result {
			t.Fatalf("round trip: %+v != %+v", env2.Result, env.Result)
		}
		herr := decodeHTTPError(&rest.APIError{Appliance: "ems", StatusCode: 400}, b)
		if herr == nil || !errors.Is(herr, sitekit.ErrInvalid) && !errors.Is(herr, sitekit.ErrUnauthorized) &&
			!errors.Is(herr, sitekit.ErrNotFound) && !errors.Is(herr, sitekit.ErrExists) && !errors.Is(herr, sitekit.ErrInUse) {
			t.Fatalf("a 400 must map to a sentinel: %v", herr)
		}
	})
}

func TestDecodeEnvelopeLenient(t *testing.T) {
	var page endpointPage
	env := envelope{Data: &page}
	err := decodeEnvelope([]byte(`{"result":{"retval":"1","message":null},"data":{"endpoints":[{"device_id":"7","is_quarantined":"1","is_ems_online":true,"last_seen":"1767225600"}],"total":"1"}}`), &env)
	require.NoError(t, err)
	require.Len(t, page.Endpoints, 1)
	e := page.Endpoints[0]
	assert.Equal(t, 1, int(page.Total))
	assert.Equal(t, Result{RetVal: 1}, *env.Result)
	assert.Equal(t, 7, e.DeviceID)
	assert.True(t, e.Quarantined)
	assert.True(t, e.Online)
	assert.Equal(t, int64(1767225600), e.LastSeen)
	require.Error(t, decodeEnvelope([]byte(`<html>`), &envelope{}), "HTML is not an envelope")
	require.ErrorIs(t, decodeEnvelope([]byte(`{"data":1}`), &envelope{}), errNoEnvelope)
}

package ems

import (
	"encoding/json"
	"errors"
	"testing"

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
		var page EndpointPage
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
	var page EndpointPage
	env := envelope{Data: &page}
	err := decodeEnvelope([]byte(`{"result":{"retval":"1","message":null},"data":{"endpoints":[{"device_id":"7","is_quarantined":"1","is_ems_online":true,"last_seen":"1767225600"}],"total":"1"}}`), &env)
	if err != nil {
		t.Fatal(err)
	}
	e := page.Endpoints[0]
	if page.Total != 1 {
		t.Fatalf("total: %d", page.Total)
	}
	if env.Result.RetVal != 1 || env.Result.Message != "" || e.DeviceID != 7 || !e.Quarantined || !e.Online || e.LastSeen != 1767225600 {
		t.Fatalf("lenient decode: %+v %+v", env.Result, e)
	}
	if err := decodeEnvelope([]byte(`<html>`), &envelope{}); err == nil {
		t.Fatal("HTML accepted as an envelope")
	}
	if err := decodeEnvelope([]byte(`{"data":1}`), &envelope{}); err != errNoEnvelope {
		t.Fatalf("missing result: %v", err)
	}
}

package truenas

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reflection-free property decoder agrees with encoding/json, and hands over to it for
// what it does not handle (escapes, numbers where strings are expected).
func TestScanPropertyMatchesReflective(t *testing.T) {
	for _, in := range []string{
		`{"parsed":"lz4","rawvalue":"lz4","value":"LZ4","source":"INHERITED","source_info":"tank"}`,
		`{"parsed":10737418240,"rawvalue":"10737418240","value":"10G","source":"LOCAL","source_info":null}`,
		`{ "parsed" : {"$date": 1732560000000, "x":[1,"}"]} , "value" : null , "source":"NONE" }`,
		`{"parsed":"a\"b","rawvalue":"a\"b","value":"A\u0022B","source":"LOCAL"}`,
		`{"parsed":true,"rawvalue":"on","value":"ON","source":"DEFAULT","source_info":null,"extra":[{"k":"}"}]}`,
		`{}`,
	} {
		type plain Property
		var want plain
		require.NoError(t, json.Unmarshal([]byte(in), &want), in)
		var got Property
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		if len(want.Parsed) == 0 {
			want.Parsed = nil
		}
		var wp, gp any
		_ = json.Unmarshal(want.Parsed, &wp)
		_ = json.Unmarshal(got.Parsed, &gp)
		assert.Equal(t, wp, gp, in)
		got.Parsed, want.Parsed = nil, nil
		assert.Equal(t, Property(want), got, in)
	}
	// lenient: a bare value still decodes
	var p Property
	require.NoError(t, json.Unmarshal([]byte(`"128K"`), &p))
	assert.Equal(t, "128K", p.Value)
	require.NoError(t, json.Unmarshal([]byte(`"131072"`), &p))
	assert.Equal(t, int64(131072), p.Int())
}

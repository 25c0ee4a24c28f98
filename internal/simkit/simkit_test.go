package simkit

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDeterministicWithSeed(t *testing.T) {
	run := func() []Action {
		i := NewInjector(Faults{Seed: 42, Rate: 0.2, ResetRate: 0.05, AmbiguousRate: 0.05})
		var out []Action
		for n := 0; n < 200; n++ {
			d := i.Decide("POST /x", true)
			out = append(out, d.Action)
			d.Release()
		}
		return out
	}
	a, b := run(), run()
	assert.Equal(t, a, b)
	faults := 0
	for _, x := range a {
		if x != Proceed {
			faults++
		}
	}
	assert.InDelta(t, 60, faults, 25, "about 30%% of 200 writes are faulted")
}

func TestReadsUntouchedByDefaultAndCounters(t *testing.T) {
	i := NewInjector(Faults{Seed: 1, Rate: 1})
	assert.Equal(t, Proceed, i.Decide("GET /x", false).Action)
	assert.Equal(t, Fail, i.Decide("POST /x", true).Action)
	assert.Equal(t, 1, i.Calls("GET /x"))
	assert.Equal(t, 2, i.TotalCalls())
	assert.Equal(t, []string{"GET /x", "POST /x"}, i.Keys())
}

func TestConcurrentWriteCap(t *testing.T) {
	i := NewInjector(Faults{MaxConcurrentWrites: 1})
	d1 := i.Decide("PUT /a", true)
	d2 := i.Decide("PUT /b", true)
	assert.Equal(t, Proceed, d1.Action)
	assert.Equal(t, Fail, d2.Action)
	assert.Equal(t, http.StatusServiceUnavailable, d2.Status)
	d1.Release()
	d1.Release() // idempotent
	assert.Equal(t, Proceed, i.Decide("PUT /c", true).Action)
}

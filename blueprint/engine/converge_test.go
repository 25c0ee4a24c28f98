package engine

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConvergeObservesThenActs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		net := K("xo", "network", "lan")
		vm := K("xo", "vm", "web")
		g := NewGraph()
		g.Add(c.res(net, 1, time.Second), c.res(vm, 2, time.Second, net))

		got, err := g.Converge(t.Context(), net, ActionCreate, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, Converged{Key: net, Action: ActionCreate, Outputs: Outputs{"id": "id-lan", "size": 1}, Reads: 1}, got)

		// Repeating it (a retry after a lost answer, another worker) observes and does nothing.
		got, err = g.Converge(t.Context(), net, ActionCreate, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, ActionNoop, got.Action)
		assert.Equal(t, 1, c.creates[net])

		// An object changed by hand is updated.
		c.objs[net] = spec{Size: 9, Marker: sitekit.Marker(site)}
		got, err = g.Converge(t.Context(), net, ActionCreate, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, ActionUpdate, got.Action)
		assert.Equal(t, []string{"size"}, got.Changes)
		assert.Equal(t, 1, c.snapshot()[net].Size)
		assert.Equal(t, 1, c.creates[net])
	})
}

func TestConvergeAmbiguousCreateIsObservedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		k := K("xo", "vm", "web")
		g := NewGraph()
		g.Add(c.res(k, 1, time.Second))
		c.ambiguous[k] = 1 // the create commits, then its answer is lost
		got, err := g.Converge(t.Context(), k, ActionCreate, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, ActionCreate, got.Action)
		assert.Equal(t, "id-web", got.Outputs["id"])
		assert.Equal(t, 1, c.creates[k])
		assert.Equal(t, 2, got.Reads, "observed, then observed again after the lost answer")

		// A create that was lost before applying stays an error: the caller retries, and
		// the retry observes first.
		k2 := K("xo", "vm", "db")
		g.Add(c.res(k2, 1, time.Second))
		c.lost[k2] = 1
		_, err = g.Converge(t.Context(), k2, ActionCreate, NewInputs(nil), WithSite(site))
		require.Error(t, err)
		assert.True(t, IsAmbiguous(err))
		assert.Equal(t, 0, c.creates[k2])
		got, err = g.Converge(t.Context(), k2, ActionCreate, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, ActionCreate, got.Action)
		assert.Equal(t, 1, c.creates[k2])
	})
}

func TestConvergeDeletesOrphansFoundByListers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		old := K("fw", "policy", "old")
		manual := K("fw", "policy", "manual")
		c.objs[old] = spec{Size: 1, Marker: sitekit.Marker(site)}
		c.objs[manual] = spec{Size: 1, Marker: "made by hand"}
		g := NewGraph()
		g.Add(c.res(K("fw", "policy", "new"), 1, time.Second))
		g.AddLister("fw", "policy", c.lister("fw", "policy"))

		r, ok, err := g.Lookup(t.Context(), old, NewReader(site))
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, old, r.Key())
		_, ok, err = g.Lookup(t.Context(), manual, NewReader(site))
		require.NoError(t, err)
		assert.False(t, ok, "the lister returns managed objects only")

		got, err := g.Converge(t.Context(), old, ActionDelete, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, ActionDelete, got.Action)
		assert.Equal(t, 1, got.Reads, "the lister's list serves the observation")
		assert.NotContains(t, c.snapshot(), old)
		// Already gone (a delete repeated after its answer was lost): nothing to do.
		got, err = g.Converge(t.Context(), old, ActionDelete, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, ActionNoop, got.Action)
		_, err = g.Converge(t.Context(), K("fw", "policy", "nowhere"), ActionCreate, NewInputs(nil), WithSite(site))
		assert.True(t, errors.Is(err, ErrUnknownResource))

		// A graph resource without the marker is kept.
		c.objs[K("fw", "policy", "new")] = spec{Size: 1, Marker: "made by hand"}
		got, err = g.Converge(t.Context(), K("fw", "policy", "new"), ActionDelete, NewInputs(nil), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, Converged{Key: K("fw", "policy", "new"), Action: ActionNoop, Kept: true, Reads: 1}, got)
	})
}

func TestConvergeChecksReferences(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		net := c.res(K("xo", "network", "lan"), 1, time.Second)
		id := Output[string](net.ID, "id")
		vm := c.res(K("xo", "vm", "web"), 1, time.Second)
		vm.Uses = []Reference{id}
		g := NewGraph()
		g.Add(net, vm)
		_, err := g.Converge(t.Context(), vm.ID, ActionCreate, NewInputs(nil), WithSite(site))
		assert.ErrorContains(t, err, "reference xo/network/lan.id: output missing")
		got, err := g.Converge(t.Context(), vm.ID, ActionCreate,
			NewInputs(map[Key]Outputs{net.ID: {"id": "id-lan"}}), WithSite(site))
		require.NoError(t, err)
		assert.Equal(t, ActionCreate, got.Action)
		assert.Equal(t, 0, c.creates[net.ID])
	})
}

func TestConvergePanicBecomesError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		k := K("xo", "vm", "web")
		g := NewGraph()
		g.Add(c.res(k, 1, time.Second))
		c.panics[k] = true
		_, err := g.Converge(t.Context(), k, ActionCreate, NewInputs(nil), WithSite(site))
		var pe *PanicError
		assert.ErrorAs(t, err, &pe)
	})
}

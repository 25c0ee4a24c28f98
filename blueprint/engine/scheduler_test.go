package engine

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sstep builds a plan step for scheduler tests.
func sstep(id string, action Action, est time.Duration, deps ...string) *Step {
	k, err := ParseKey(id)
	if err != nil {
		panic(err)
	}
	return &Step{ID: id, Key: k, Action: action, Estimate: est, Deps: deps}
}

func ids(steps []*Step, is []int) []string {
	out := make([]string, len(is))
	for n, i := range is {
		out[n] = steps[i].ID
	}
	return out
}

func indexOf(steps []*Step, id string) int {
	for i, s := range steps {
		if s.ID == id {
			return i
		}
	}
	panic(id)
}

// siteSteps is the worked example of a site: a VLAN, policies after it, VMs after it,
// datasets, a backup job after a VM and a dataset.
func siteSteps() []*Step {
	return []*Step{
		sstep("fw/vlan/v", ActionCreate, 2*time.Second),
		sstep("fw/policy/p1", ActionCreate, time.Second, "fw/vlan/v"),
		sstep("fw/policy/p2", ActionCreate, time.Second, "fw/vlan/v"),
		sstep("xo/vm/a", ActionCreate, 10*time.Second, "fw/vlan/v"),
		sstep("xo/vm/b", ActionCreate, 10*time.Second, "fw/vlan/v"),
		sstep("xo/vm/c", ActionCreate, 10*time.Second, "fw/vlan/v"),
		sstep("nas/dataset/d0", ActionCreate, time.Second),
		sstep("nas/dataset/d1", ActionNoop, 0),
		sstep("xo/job/backup", ActionCreate, time.Second, "xo/vm/a", "nas/dataset/d0"),
	}
}

func TestSchedulerLongestPathFirstWithinLimits(t *testing.T) {
	steps := siteSteps()
	s, err := NewScheduler(steps, Limits{Parallelism: 3, Default: 1, Appliances: map[string]int{"xo": 2}}, false)
	require.NoError(t, err)
	// The no-op dataset completes in Next; the VLAN (2+10+1 s ahead) goes before the dataset.
	assert.Equal(t, []string{"nas/dataset/d1", "fw/vlan/v", "nas/dataset/d0"}, ids(steps, s.Next()))
	assert.Equal(t, StateDone, s.State(indexOf(steps, "nas/dataset/d1")))
	assert.Empty(t, s.Next(), "fw and nas are at their limit")
	require.NoError(t, s.Done(indexOf(steps, "fw/vlan/v")))
	// Two VMs (xo limit 2) and one policy: parallelism 3 with the dataset still running.
	assert.Equal(t, []string{"xo/vm/a", "xo/vm/b"}, ids(steps, s.Next()))
	assert.Equal(t, 3, s.Running())
	assert.Equal(t, 2, s.Busy("xo"))
	require.NoError(t, s.Done(indexOf(steps, "nas/dataset/d0")))
	assert.Equal(t, []string{"fw/policy/p1"}, ids(steps, s.Next()), "xo is full: the policy takes the free slot")
	require.NoError(t, s.Done(indexOf(steps, "xo/vm/a")))
	// vm/c (10 s to go) before the backup job (1 s), both on xo.
	assert.Equal(t, []string{"xo/vm/c"}, ids(steps, s.Next()))
	assert.Equal(t, 13*time.Second, s.Priority(indexOf(steps, "fw/vlan/v")))
	assert.False(t, s.Finished())
}

func TestSchedulerFailureSkipsDependentsOnly(t *testing.T) {
	steps := siteSteps()
	s, err := NewScheduler(steps, Limits{Parallelism: 10, Default: 5}, false)
	require.NoError(t, err)
	first := ids(steps, s.Next())
	assert.Equal(t, []string{"nas/dataset/d1", "fw/vlan/v", "nas/dataset/d0"}, first)
	skips, err := s.Failed(indexOf(steps, "fw/vlan/v"))
	require.NoError(t, err)
	var skipped []string
	for _, k := range skips {
		skipped = append(skipped, steps[k.Step].ID)
	}
	assert.Equal(t, []string{"fw/policy/p1", "fw/policy/p2", "xo/vm/a", "xo/vm/b", "xo/vm/c", "xo/job/backup"}, skipped)
	last := skips[len(skips)-1]
	assert.Equal(t, "xo/vm/a", steps[last.Via].ID)
	assert.True(t, errors.Is(last.Reason(steps), ErrUpstream))
	assert.EqualError(t, last.Reason(steps), "upstream dependency did not succeed: fw/vlan/v failed (via xo/vm/a)")
	assert.False(t, s.Stopped())
	require.NoError(t, s.Done(indexOf(steps, "nas/dataset/d0")))
	assert.Empty(t, s.Next())
	assert.True(t, s.Finished())
	assert.Equal(t, StateSkipped, s.State(indexOf(steps, "xo/job/backup")))
}

func TestSchedulerFailFastStops(t *testing.T) {
	steps := siteSteps()
	s, err := NewScheduler(steps, Limits{Parallelism: 10, Default: 5}, true)
	require.NoError(t, err)
	s.Next()
	_, err = s.Failed(indexOf(steps, "nas/dataset/d0"))
	require.NoError(t, err)
	assert.True(t, s.Stopped())
	require.NoError(t, s.Done(indexOf(steps, "fw/vlan/v")))
	assert.Empty(t, s.Next())
	assert.True(t, s.Finished())
	assert.Equal(t, StateReady, s.State(indexOf(steps, "xo/vm/a")), "ready but never dispatched")
}

// TestSchedulerDeterministic replays the same outcomes on two schedulers, one built from
// steps decoded from JSON: the dispatches are identical.
func TestSchedulerDeterministic(t *testing.T) {
	run := func(steps []*Step) []string {
		s, err := NewScheduler(steps, Limits{Parallelism: 2, Default: 1, Appliances: map[string]int{"xo": 2}}, false)
		require.NoError(t, err)
		var trace []string
		for !s.Finished() {
			next := s.Next()
			trace = append(trace, ids(steps, next)...)
			trace = append(trace, "|")
			for i := range len(steps) {
				if s.State(i) == StateRunning {
					if steps[i].ID == "xo/vm/b" {
						_, err = s.Failed(i)
					} else {
						err = s.Done(i)
					}
					require.NoError(t, err)
					break // one outcome at a time
				}
			}
		}
		return trace
	}
	steps := siteSteps()
	b, err := json.Marshal(steps)
	require.NoError(t, err)
	var decoded []*Step
	require.NoError(t, json.Unmarshal(b, &decoded))
	want := run(steps)
	assert.Equal(t, want, run(decoded))
	assert.Equal(t, want, run(siteSteps()))
	assert.Contains(t, want, "xo/job/backup")
}

func TestSchedulerRejectsBadInput(t *testing.T) {
	_, err := NewScheduler([]*Step{sstep("a/b/c", ActionCreate, 0, "a/b/missing")}, Limits{}, false)
	assert.ErrorContains(t, err, "unknown step a/b/missing")
	_, err = NewScheduler([]*Step{sstep("a/b/c", ActionCreate, 0, "a/b/d"), sstep("a/b/d", ActionCreate, 0, "a/b/c")}, Limits{}, false)
	assert.ErrorContains(t, err, "dependency cycle among a/b/c, a/b/d")
	_, err = NewScheduler([]*Step{sstep("a/b/c", ActionCreate, 0), sstep("a/b/c", ActionCreate, 0)}, Limits{}, false)
	assert.ErrorContains(t, err, "duplicate step")
	s, err := NewScheduler([]*Step{sstep("a/b/c", ActionCreate, 0)}, Limits{}, false)
	require.NoError(t, err)
	assert.ErrorContains(t, s.Done(0), "is ready, not running")
}

func TestLimitsAsData(t *testing.T) {
	l := LimitsOf(WithParallelism(7), WithLimit("xo", 3), WithDefaultLimit(2))
	assert.Equal(t, Limits{Parallelism: 7, Default: 2, Appliances: map[string]int{"xo": 3}}, l)
	assert.Equal(t, 3, l.Limit("xo"))
	assert.Equal(t, 2, l.Limit("fw"))
	assert.Equal(t, l, LimitsOf(l.Options()...))
	assert.Equal(t, Limits{Parallelism: DefaultParallelism, Default: DefaultLimit, Appliances: map[string]int{}}, LimitsOf())
	assert.Equal(t, DefaultParallelism, Limits{}.MaxParallel())
	assert.Equal(t, DefaultLimit, Limits{}.Limit("fw"))

	g := NewGraph()
	g.Add(newCloud(site).res(K("fw", "vlan", "a"), 1, time.Second))
	p, err := g.Plan(t.Context(), WithSite(site), WithLimit("fw", 4))
	require.NoError(t, err)
	assert.Equal(t, 4, p.Limits().Limit("fw"))
}

func TestKeyTextRoundTrip(t *testing.T) {
	for _, k := range []Key{K("fortigate", "vlan", "compta"), K("truenas", "dataset", "tank/backups/xo")} {
		got, err := ParseKey(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	for _, bad := range []string{"", "a/b", "a//c", "/b/c", "a/b/"} {
		_, err := ParseKey(bad)
		assert.Error(t, err, bad)
	}
	g := NewGraph()
	g.Add(newCloud(site).res(K("fw/x", "vlan", "a"), 1, time.Second))
	assert.ErrorContains(t, g.Validate(), "slash in the appliance or kind")
}

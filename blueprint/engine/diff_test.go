package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint/engine"
)

type account struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Shell    string `json:"shell"`
}

// TestUpdateDiffRedactsSecrets: an update's diff gives before and after of each changed
// field, except secret-looking fields whose values are redacted.
func TestUpdateDiffRedactsSecrets(t *testing.T) {
	g := engine.NewGraph()
	g.Add(&engine.Func[account]{
		ID:   engine.K("app", "account", "alice"),
		Want: account{User: "alice", Password: "new-pass", Shell: "/bin/zsh"},
		OnObserve: func(context.Context, *engine.Reader) (engine.Observed, error) {
			return engine.Found(account{User: "alice", Password: "old-pass", Shell: "/bin/sh"}, true, nil), nil
		},
		OnUpdate: func(context.Context, account, engine.Observed) (engine.Outputs, error) { return nil, nil },
	})
	p, err := g.Plan(context.Background())
	require.NoError(t, err)
	st := p.Step(engine.K("app", "account", "alice"))
	require.NotNil(t, st)
	assert.Equal(t, []string{"password", "shell"}, st.Changes)
	require.Len(t, st.Diff, 2)
	assert.JSONEq(t, `"[redacted]"`, string(st.Diff[0].Before))
	assert.JSONEq(t, `"[redacted]"`, string(st.Diff[0].After))
	assert.JSONEq(t, `"/bin/sh"`, string(st.Diff[1].Before))
	assert.JSONEq(t, `"/bin/zsh"`, string(st.Diff[1].After))
	text := p.String()
	assert.Contains(t, text, "    shell: \"/bin/sh\" → \"/bin/zsh\"\n")
	assert.NotContains(t, text, "old-pass")
	assert.NotContains(t, text, "new-pass")
	js, err := p.JSON()
	require.NoError(t, err)
	assert.NotContains(t, string(js), "old-pass", "the observed state is not in the JSON plan")
}

package xotest

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFactoryDataAndAccessors(t *testing.T) {
	ctx := context.Background()
	srv := NewTestServer(t)
	assert.True(t, strings.HasPrefix(srv.URL(), "https://127.0.0.1:"))
	assert.NotEmpty(t, srv.Fingerprint())
	assert.Equal(t, DefaultUsername, srv.Username())
	assert.Equal(t, DefaultPassword, srv.Password())
	c, err := srv.Client()
	require.NoError(t, err)
	defer c.Close()
	pools, err := c.Pools.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, pools, 1)
	assert.Equal(t, srv.PoolID, pools[0].ID)
	tpls, err := c.Templates.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, tpls, 2)

	empty := NewTestServer(t, WithoutFactoryData(), WithPlainHTTP())
	assert.True(t, strings.HasPrefix(empty.URL(), "http://127.0.0.1:"))
	assert.Empty(t, empty.Fingerprint())
	assert.Empty(t, empty.PoolID)
	ec, err := empty.Client()
	require.NoError(t, err)
	defer ec.Close()
	for _, coll := range []string{"pools", "hosts", "srs", "networks", "pifs", "vm-templates", "alarms"} {
		assert.Zero(t, empty.Count(coll), coll)
	}
	pools, err = ec.Pools.List(ctx, nil)
	require.NoError(t, err, "the admin token works without factory data")
	assert.Empty(t, pools)
}

func TestSeedMakesIDsReproducible(t *testing.T) {
	a, b, other := NewTestServer(t, WithSeed(7)), NewTestServer(t, WithSeed(7)), NewTestServer(t, WithSeed(8))
	assert.Equal(t, a.PoolID, b.PoolID)
	assert.Equal(t, a.Token(), b.Token())
	assert.NotEqual(t, a.PoolID, other.PoolID)
}

package xo

// PoolsService reads XCP-ng pools (GET /rest/v0/pools). Pools are created by connecting a
// server (see [ServersService]).
type PoolsService struct{ collection[Pool] }

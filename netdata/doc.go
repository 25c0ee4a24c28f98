// Package netdata is a typed client for the Netdata agent API: v1 as the baseline (the only
// API of Debian 12's netdata 1.37.1, still served by 2.x agents), v3 only where the agent
// reports it (detected from /api/v1/info, never assumed), and a health gate for deployments.
//
// # Usage
//
//	c, err := netdata.New("http://127.0.0.1:19999")
//	info, err := c.Info(ctx)                                  // version, host facts, alarm counters
//	charts, err := c.Charts.List(ctx, nil)                    // /api/v1/charts, sorted by id
//	d, err := c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", After: -60, Points: 10})
//	last, _ := d.Latest()                                     // rows are oldest first
//	raised, err := c.Alarms.List(ctx, &netdata.AlarmListOptions{Active: true}) // WARNING / CRITICAL
//	r, err := c.Alarms.Report(ctx, nil)                       // alarms + agent clock + latest log id
//	log, err := c.Alarms.Log(ctx, &netdata.AlarmLogOptions{After: int64(r.LatestAlarmLogUniqueID)})
//	samples, err := c.AllMetrics(ctx, nil)                    // prometheus text, parsed
//	url, err := c.BadgeURL(netdata.BadgeOptions{Chart: "system.cpu"})
//	nodes, err := c.Nodes.List(ctx, nil)                      // the agent, then its children
//	child := c.Host("web")                                    // /host/web/api/v1/… on a parent
//	r, err := c.Health(ctx, netdata.HealthOptions{ExpectChildren: []string{"web"}})
//	r, err = c.WaitHealthy(ctx, netdata.HealthOptions{}, 5*time.Second)
//
// Listings follow one shape: List(ctx, opts) returns a slice (nil options: everything) and
// All iterates over the same elements; the agent answers each listing in one call, and the
// filters of charts and contexts are applied by the client (v1 takes no parameters there).
// The agent has nothing to create, update or delete besides health-management silencers.
//
// Requests are value structs validated before any I/O (an empty chart, negative points,
// After later than Before… return a *sitekit.FieldError naming the field; nothing is sent).
// Decoding is lenient: 1.37 sends numbers and booleans as strings ("cores_total":"2",
// "silenced":"false"), 2.x sends them as JSON numbers and booleans; [Int], [Float] and [Bool]
// accept both, and one Go type per concept covers both versions ([DataResult] also reads
// the v2/v3 json2 envelope).
//
// # Authentication
//
// Data APIs are anonymous. Health management (/api/v1/manage/health, [HealthManagementService])
// needs the agent's key, the contents of /var/lib/netdata/netdata.api.key, given with
// sitekit.WithToken; it is sent only on those calls, as the X-Auth-Token header, and never
// appears in logs or errors. The agent accepts it only from "allow management from"
// (localhost by default).
//
// # TLS
//
// Netdata serves plain http on port 19999. Plain http is accepted to loopback; to another
// host use https (agent built with "Native HTTPS" and a certificate, pinned with
// sitekit.WithCertSHA256) or opt in with sitekit.WithPlainHTTP on an isolated management VLAN.
//
// # Errors
//
// The agent answers errors as plain text ("Chart is not found: x", "Auth Error"); they become
// a *[APIError] (status, method, sanitized path, Message) matching
// sitekit.ErrNotFound (404), sitekit.ErrInvalid (400), sitekit.ErrUnauthorized (403) with
// errors.Is, and [ErrUnsupported] for an API version the agent does not have.
//
// # Retries
//
// Reads are retried on transport errors, 502/503/504 and 429 with backoff (sitekit.WithRetry).
// Health-management commands that add a selector (Silence, Disable) are sent once.
//
// The simulator in [github.com/sitekit/sitekit/netdata/netdatatest] serves the same API with
// the recorded 1.37.1 shapes (or 2.x ones), alarms raised from tests, children and faults.
package netdata

// Package netdatatest is an in-process Netdata agent for tests, in the spirit of
// net/http/httptest. It serves the v1 API with the shapes recorded from a real Netdata 1.37.1
// agent (numbers as strings where 1.37 sends strings, hyphenated keys, HTML-escaped alarm
// expressions, alarm_log as a top-level array, plain-text errors), or the 2.x shapes and a
// minimal /api/v3 with [WithVersion]("v2.11.0"). Tests raise and clear alarms, add streaming
// children served under /host/<name>/, stall collection, inject faults and count calls.
//
//	srv := netdatatest.NewTestServer(t)
//	srv.RaiseAlarm("", "cpu_usage", "system.cpu", netdata.StatusCritical, 97)
//	c, _ := srv.Client()
//	r, _ := c.Health(ctx, netdata.HealthOptions{}) // r.Healthy == false
//
// The server speaks https on 127.0.0.1 with a fresh self-signed certificate (its SHA-256 is
// [Server.Fingerprint]); [WithPlainHTTP] serves plain http, as a stock agent does on port
// 19999. Its clock is the system clock: run a test inside a testing/synctest bubble, with the
// client served in memory through [Server.Handler], to control time.
//
// # Fidelity
//
// Reproduced from Debian 12's netdata 1.37.1 (answers recorded from a real agent, and
// checked against the same package in CI): the shapes of /api/v1 info, charts, chart,
// contexts, context, data (json and jsonwrap; rows newest first, flip; json2 answered as
// plain json), alarms (?all lists every alarm, ?active and anything else the
// raised ones — "all=" is not the keyword), alarm_log (a top-level array, after= exclusive,
// newest first), alarm_count ([n], RAISED by default), allmetrics (Prometheus text),
// badge.svg, registry hello; manage/health with X-Auth-Token and the recorded bodies; the
// plain-text and HTML error answers; the response headers (Connection: close); /host/<name>/
// on a parent; /api/v2 and /api/v3 answering 404 "Unsupported API version".
//
// From the agent's swagger only (no 2.x agent was recorded), with WithVersion("v2.x"): numbers
// and booleans as JSON numbers and booleans, "labels", format=json2, and a minimal
// /api/v3/nodes and /api/v3/info.
//
// Not reproduced: metric values (a small deterministic series generator stands in for
// collectors; three charts: system.cpu, system.load, system.ram; the csv, ssv and other data formats); alarm
// evaluation (alarms change only through RaiseAlarm and ClearAlarm); streaming itself and the
// timing of a lost stream (SetChildStreaming and StallCollection model their effects
// [inferred]); the other v1 endpoints (weights, functions, alarm_variables, …), Netdata Cloud
// and bearer protection.
package netdatatest

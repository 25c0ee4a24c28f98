// Package fortigatetest is an in-process FortiOS (FortiGate 80F) REST API simulator, in the
// spirit of net/http/httptest: start it with [NewServer] (or [NewTestServer] in a test),
// point a [fortigate.Client] at it with [Server.Client], create and inspect its state
// ([Server.Create], [Server.Object]), inject faults through [Server.Faults].
//
// It serves:
//   - Bearer token authentication; every bad token is a failed login, and a source with
//     3 failures within 60s (system/global admin-lockout-threshold/-duration) gets 429 for
//     the lockout duration, even with the right token. access_token in the query only when
//     rest-api-key-url-query is enabled.
//   - /api/v2/cmdb/<path>/<name>[/<mkey>] with dotted paths (system.dhcp/server) and
//     percent-encoded keys; system/global as a singleton; vdom=root (vdom=* answers an array).
//   - FortiOS envelopes: serial, version, build, a revision that changes on every
//     effective write, revision_changed/old_revision, mkey, q_origin_key on records,
//     size/matched_count/next_idx/limit_reached on lists.
//   - Semantics: duplicate POST → 500/−5, missing → 404/−3, PUT merges (tables replaced),
//     auto-allocated policyid/id/seq-num/ems-id, policy order with action=move, action=clone,
//     reference integrity from the field catalogue's datasources (unknown reference → −651,
//     deleting a referenced entry → −23, a user group used by a policy → −94), lengths (−1),
//     ranges (−650), enums (−651), VLAN id/parent immutability (−522), ip/mask answered as
//     "a.b.c.d m.m.m.m", secrets answered as "ENC …", multi-options reordered.
//   - filter (all operators, AND/OR, escapes), format, start/count, sort, action=schema
//     and action=default.
//   - Transactions: start/show/commit/abort/list, X-TRANSACTION-ID, table locks, expiry.
//   - Monitor answers computed from state: system/status, resource/usage, interface,
//     firewall/policy counters, license/status, config backup (POST; GET → 405 from 7.4.5),
//     endpoint-control/ems/status and verify-cert.
//   - Seeded faults (error rates, resets, ambiguous commits, latency, a write cap) and
//     per-path call counters ("METHOD /api/v2/…").
//
// The EMS simulator (or a test) decides what the FortiGate sees of its EMS connectors with
// [Server.SetEMSStatus] or [Server.SetEMSStatusFunc].
package fortigatetest

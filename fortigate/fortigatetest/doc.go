// Package fortigatetest is an in-process FortiOS (FortiGate 80F) REST API simulator, in the
// spirit of net/http/httptest: start it with [NewServer] (or [NewTestServer] in a test),
// point a [fortigate.Client] at it with [Server.Client], create and inspect its state
// ([Server.Create], [Server.Object]), inject faults through [Server.Faults].
//
// It serves:
//
//   - Bearer token authentication; every bad token is a failed login, and a source with
//     3 failures within 60s (system/global admin-lockout-threshold/-duration) gets 429 for
//     the lockout duration, even with the right token. access_token in the query only when
//     rest-api-key-url-query is enabled.
//
//   - /api/v2/cmdb/<path>/<name>[/<mkey>] with dotted paths (system.dhcp/server) and
//     percent-encoded keys; system/global as a singleton; vdom=root, and vdom=*, a VDOM
//     list or global=1 answered as a JSON array of per-VDOM envelopes (cmdb and monitor).
//
//   - FortiOS envelopes: serial, version, build, a revision that changes on every
//     effective write, revision_changed/old_revision, mkey, q_origin_key on records,
//     size/matched_count/next_idx/limit_reached on lists.
//
//   - Semantics: duplicate POST → 500/−5, GET of a missing key → 404 without a code, a
//     write to a missing key → 404/−3, PUT merges (tables replaced),
//     auto-allocated policyid/id/seq-num/ems-id, policy order with action=move, action=clone,
//     reference integrity from the field catalogue's datasources (unknown reference → −651,
//     deleting a referenced entry → −23, a user group used by a policy → −94), lengths (−1),
//     ranges (−650), enums (−651), VLAN id/parent immutability (−522), ip/mask answered as
//     "a.b.c.d m.m.m.m", secrets answered as "ENC …", multi-options reordered.
//
//   - filter (all operators, AND/OR, escapes), format, start/count, sort, action=schema
//     and action=default.
//
//   - Transactions: start/show/commit/abort/list, X-TRANSACTION-ID, table locks, expiry.
//
//   - Monitor answers computed from state: system/status, resource/usage, interface,
//     firewall/policy counters, license/status, config backup (POST; GET → 405 from 7.4.5),
//     endpoint-control/ems/status and verify-cert.
//
//   - Seeded faults (error rates, resets, ambiguous commits, latency, a write cap) and
//     per-path call counters ("METHOD /api/v2/…").
//
//   - POST /logincheck (session login) never succeeds: from 7.6.3 it answers the HTML login
//     page, before it the legacy failure (ccsrftoken "0%260").
//
// # Fidelity
//
// The simulator follows FortiOS 7.6.5 (the default firmware; [WithVersion] switches the
// version-gated behaviours: GET config backup refused from 7.4.5, transaction-show from
// 7.4.1, the /logincheck page from 7.6.3). Its field catalogue (lengths, ranges, enums,
// defaults, references) is Fortinet's 7.6.5 schema for the objects a small site uses.
// Envelopes, error codes, write and merge semantics, filters, transactions, multi-VDOM
// arrays and the lockout reproduce what Fortinet documents (FNDN tutorials, the 7.6.5
// swagger) and what Fortinet's Terraform provider, Ansible collection and fortiosapi
// rely on; the tests of this package name the evidence for each behaviour.
//
// It does not reproduce: more than one VDOM (the array answers hold root only);
// administrator accounts and session logins (/api/v2/authentication, CSRF tokens);
// tables outside the catalogue (404), child-table sub-resources (…/addrgrp/<g>/member/<m>)
// and with_meta/datasource output; traffic, routing, logs and FortiGuard. Some details
// are uncertain and chosen, not known: the status and code of paging beyond the table
// (400/−2), the code of a transaction's table lock (−61), whether error answers to
// multi-VDOM requests are arrays (they are here), the order FortiOS gives multi-option
// values, the exact markup of the 7.6.3 login page, and the 80F port list.
//
// The EMS simulator (or a test) decides what the FortiGate sees of its EMS connectors with
// [Server.SetEMSStatus] or [Server.SetEMSStatusFunc].
package fortigatetest

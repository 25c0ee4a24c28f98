// Package xotest is an in-process Xen Orchestra simulator for tests and demos, in the spirit
// of net/http/httptest: REST /rest/v0 (collections with complex-matcher filters, objects,
// async actions with tasks, create_vm with a config drive, a power state machine, VLAN
// networks, servers, SRs, backup repositories), validating request bodies against the XO REST
// API 0.39.0 OpenAPI schemas, and JSON-RPC over WebSocket at /api/ (session.*, system.*,
// backupNg.*, metadataBackup.*, schedule.*, remote.*).
//
// [NewServer] starts it with TLS (a fresh self-signed certificate whose SHA-256 is
// [Server.Fingerprint]); [WithPlainHTTP] serves plain HTTP; [NewTestServer] closes it at the
// end of a test. [Server.Client] returns an xo client pinned to it.
//
// It holds, like a fresh XO connected to one XCP-ng host, one pool, the host (HPE DL380
// Gen11, 128 GiB, NVMe local SR, eth0/eth1 PIFs), a management network, and
// "Debian 12 Cloud-init (Hub)" and "Windows Server 2022 (64-bit)" templates
// ([WithoutFactoryData] starts without them). Generated ids derive from [WithSeed]. Boot
// progress is deterministic: a started VM reports PV drivers and then an IP (from its
// network-config) after a configurable number of reads of the VM (see [WithBootPolls]) or at
// once with [Server.CompleteBoot].
//
// # Fidelity
//
// The behaviour follows xen-orchestra 9ef5389 (xo-server 5.207.2, @xen-orchestra/rest-api
// 0.37.0, REST schemas of rest-api 0.39.0) and XO's own client xo-lib, which a contract test
// runs against the simulator. Reproduced:
//   - REST: token cookie and Basic authentication with their 400/401 answers, token
//     creation through the 307 of /users/me, collections (hrefs, fields, complex-matcher
//     filters, limit, ndjson, markdown), async actions (202, Location, {"taskId"}; text body
//     with [WithLegacyTaskBody]), sync=true, tasks and wait=true, request bodies validated
//     against the OpenAPI schemas (unknown properties → 422), the error bodies of the generic
//     error handler (an XAPI error carries its CODE(params) message and no data).
//   - JSON-RPC: XO's parameter rules (required unless optional, non-empty strings, no
//     unknown properties, "key?" dropped), code 2 before session.signIn, session.getUser,
//     system.getMethodsInfo/listMethods/methodSignature/getVersion/getServerVersion,
//     xo.getAllObjects (object or complex-matcher filter, limit), "all" notifications.
//   - Backup jobs: backupNg.createJob validates compression and the settings schema and
//     stores only the properties given; schedules are created from temporary ids and the
//     settings re-keyed; editJob patches one level deep (settings replaced whole, null
//     deletes); deleteJob deletes the job's schedules; runJob checks the schedule, then the
//     job, then "already running", runs a simple id pattern as given and fails a smart
//     pattern matching no VM with noMatchingVm carrying runJobId (the run's log, "skipped");
//     backupNg.getAllLogs; schedule.set patches (null deletes), schedule.delete and
//     remote.delete check nothing; metadataBackup.* with the metadata runner's checks.
//
// Not reproduced: ACLs and non-admin users (every call runs as the admin), ndjson answers
// of JSON-RPC methods ($getFrom), stats, imports and exports, SSE events, license gates
// (code 26), proxies, and the real duration of tasks and backups. Inferred rather than read:
// the log of a metadata run and of a run whose VM vanished, the status of a memory or CPU
// change on a running VM, and boot timing (PV drivers and IP after a number of reads).
package xotest

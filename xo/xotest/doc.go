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
package xotest

// Package xo is a typed client for Xen Orchestra (XO / XOA): the REST API /rest/v0 for
// inventory, VMs, networks, storage, servers, tasks and backup reads, and JSON-RPC over
// WebSocket (wss://<host>/api/) where REST has no route: backup jobs (backupNg.*), schedules
// (schedule.*) and remote deletion/tests (remote.*). The contract is the XO REST API 0.39.0
// OpenAPI document; the simulator in package xotest validates against it.
//
// # Backup jobs
//
// XO's editJob replaces each property it is given whole, settings included (xo-server's
// updateJob patch is one level deep). [BackupJobsService.Update] and
// [MetadataBackupJobsService.Update] therefore read the job and send its complete settings
// with the change applied: a retention change keeps reportWhen, concurrency and the other
// schedules' retention.
//
// # Usage
//
//	c, err := xo.New("https://xo.example",
//		sitekit.WithToken(sitekit.NewSecret(token)),
//		sitekit.WithCertSHA256("ab:cd:…"))
//	tpl, err := c.Templates.Find(ctx, poolID, "Debian 12 Cloud-init (Hub)")
//	net, created, err := c.Networks.Ensure(ctx, xo.NetworkCreateRequest{Pool: poolID, Name: "servers", PIF: eth1, VLAN: 20})
//	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{Pool: poolID, Template: tpl.ID, NameLabel: "web",
//		CPUs: 2, Memory: 4 << 30, VIFs: []xo.VIFSpec{{Device: "0", Network: net.ID}},
//		CloudConfig: userData, NetworkConfig: netCfg, Boot: true, Tags: []string{sitekit.Marker("pessac")}})
//	ip, err := c.VMs.WaitForIP(ctx, vm.ID, netip.MustParsePrefix("10.10.20.0/24"))
//
// Families are fields of [Client] (Pools, Hosts, PIFs, Networks, SRs, Templates, VMs, VIFs,
// VDIs, VBDs, Tasks, Servers, BackupRepositories, BackupJobs, MetadataBackupJobs, Schedules,
// BackupLogs, Alarms, Dashboard). Every family has List (with [ListOptions]: a typed
// complex-matcher [Filter], fields, limit), All (an iterator; XO does not page) and Get by id.
// Find by name exists where a name identifies an object: pool-scoped for pool objects
// (Hosts, Networks, SRs, Templates, VMs, VDIs), XO-wide for pools, servers, backup
// repositories, jobs and schedules; names are not unique in XO, so several matches return
// an [AmbiguousError]. Tasks, backup logs, alarms and devices have no name to find them by.
// Create returns the created object (read back when XO answers only its id), Update the
// object after the update. Writes take a request struct whose Validate runs before any I/O
// and names the faulty field. Tags carry the blueprint marker "managed-by sitekit:<site>"
// ([sitekit.Marker], [sitekit.ParseMarker], SetTags).
//
// Actions (create_vm, create_network, power actions, snapshot, clone, server connect) are
// run asynchronously: the task is found from the Location header (or the {"taskId"} / text
// body of older XO) and awaited with [TasksService.Wait] (GET /tasks/<id>?wait=true, polling
// when the server answers early). Waiters (WaitPowerState, WaitPVDrivers, WaitForIP,
// Tasks.Wait) are bounded by the context; their poll interval is [WithPollInterval].
//
// # Authentication
//
// Prefer a token ([sitekit.WithToken]): it is sent as the authenticationToken cookie and used
// for session.signIn on every JSON-RPC (re)connect. With [sitekit.WithCredentials] the client
// bootstraps a token once with Basic auth (POST /users/me/authentication_tokens, following
// XO's 307) under a stable client id ([WithClientID]), so re-runs get the same token back.
//
// # TLS
//
// Verification is always on. XOA ships a self-signed certificate: pin its SHA-256 with
// [sitekit.WithCertSHA256] (or its key with [sitekit.WithSPKISHA256]); the WebSocket is dialled
// with the same TLS settings.
//
// # Errors
//
// XO's answers become [*APIError] (HTTP status, XO code, XAPI code, message, raw data, and the
// per-field messages of a 422), and failed tasks [*TaskError] (XAPI code and params). Both
// match the sitekit sentinels with errors.Is: 404/code 1 → sitekit.ErrNotFound, 401/403/codes
// 2,3,5,26 → ErrUnauthorized, 409/codes 16,25/PIF_VLAN_EXISTS → ErrExists, 422/code 10 →
// ErrInvalid. Local validation returns *sitekit.FieldError. A JSON-RPC write whose connection
// dropped matches sitekit.ErrOutcomeUnknown: look the object up before trying again.
//
// # Retries
//
// Every sitekit option applies to both transports. Over REST, transport failures and
// 502/503/504 of idempotent requests, and 429, are retried with backoff per
// [sitekit.WithRetry]; a create is never re-sent blindly. Over JSON-RPC, a call that could not
// be sent and a read whose connection dropped are attempted again per the same policy; a
// write whose connection dropped is not. [sitekit.WithTimeout] bounds each attempt (the
// runJob methods excepted: they last as long as the run, bounded by the context), and
// [sitekit.WithMaxConcurrentWrites] caps the writes in flight of each transport. PV-driver
// races (codes 11 and 14, VM_MISSING_PV_DRIVERS, VM_LACKS_FEATURE*) are reported, not
// retried: test them with sitekit.IsRetryable and retry after [VMsService.WaitPVDrivers].
package xo

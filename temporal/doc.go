// Package temporal runs sitekit sites on Temporal: durable applies that survive a
// worker crash, appliances shared by several sites held to their write limit together,
// nightly drift and daily backup audits on schedules, and approval of a plan before it
// is applied. The in-process engine stays the default (one site, one program, no
// server); this module is the scale-out path and pulls the Temporal SDK only into the
// programs that import it.
//
// # Workflows and activities
//
// [ApplySite] plans a site (the PlanSite activity reads the appliances, never writes),
// optionally waits for an [ApprovalSignal] carrying the plan's digest (with a timeout),
// then converges it: the steps are dispatched by [engine.Scheduler], the same scheduler
// as the in-process apply (longest remaining path first, per-appliance write limits,
// global parallelism, dependents of failed steps skipped, optional fail-fast), and each
// step is one ConvergeStep activity. [DestroySite] does the same for a destroy,
// [DriftSite] plans only (and can await approval to apply a drift), [AuditBackups] checks
// backups live, and [Fleet] runs one child per site with a concurrency cap. A site's
// workflow ID ([SiteWorkflowID]) is its lock: one apply or destroy per site at a time.
//
// A step cannot be shipped to a worker, only rebuilt: ConvergeStep rebuilds the site's
// graph from the [SiteSpec] and the worker's own connections, takes the resource by key
// ([engine.Graph.Converge]), observes it afresh, then creates, updates or deletes it.
// Observing on every attempt makes Temporal's at-least-once activities safe: a create
// that committed on a worker that died before reporting is found by the next attempt,
// never repeated. Results are data even when steps failed ([SiteResult]); workflows fail
// only when planning fails or on cancellation, which reaches a running step through its
// heartbeats. Transient and ambiguous errors are retried by Temporal (a second or more
// apart); fast retries of throttling stay in the clients.
//
// # Secrets
//
// Workflow histories carry the site spec (whose credentials are references such as
// "env:NAME") and plan data without desired states; never a credential. Each worker
// resolves a site's connections through its [Provider]. [EncryptionCodec] (AES-256-GCM,
// standard library) additionally seals every payload so that the server stores only
// ciphertext; configure the same codec on every client and worker.
//
// # Deployment
//
//   - Workflow workers ([NewWorker]) on [DefaultTaskQueue]: two for availability; they
//     also run the plan activities and the steps of appliances that belong to one site
//     (its FortiGate, its TrueNAS).
//   - One appliance worker ([NewApplianceWorker]) per shared appliance instance (one Xen
//     Orchestra serving many sites), on [ApplianceQueue] with limit = the appliance's
//     write limit: its MaxConcurrentActivityExecutionSize holds all sites together to the
//     limit, where each site's workflow only holds itself. Route the steps there with
//     [Activities.Queues]. Exactly one such worker per instance, or the caps add up.
//   - Schedules ([EnsureSchedules]): a nightly drift per site and a daily backup audit.
//
// # Versioning
//
// Workers built with [Versioned] pin every site run to the worker version it started on
// (Worker Deployment Versioning): a new build takes only new runs. Runs also record a
// "sitekit-scheduler" version marker; a change to the order of the commands a run issues
// must bump it and keep the old branch. The replay test of the recorded histories under
// testdata fails when it does not.
package temporal

// Package engine plans, applies and destroys a graph of resources spread over
// a few appliances, concurrently and idempotently. It knows nothing about the
// appliances: the site layer (package blueprint) defines the resources, the
// engine orders and runs them. It is tested with fake resources.
//
// # Resources
//
// A [Resource] has a [Key] (appliance, kind, name), dependencies, a desired
// state serialisable as JSON, and idempotent Observe, Diff, Create, Update
// and Delete methods. [Func] builds one from closures, so ~60 appliance
// resources need no type each. Identity is natural: the name on the
// appliance plus the site's managed-by marker ([Marker], "managed-by
// sitekit:<site>") stored in whatever field the API offers; [Observed.Managed]
// reports it. No state file is needed to converge, and deletes only touch
// managed objects.
//
// # Graph
//
// [Graph] collects resources, explicit edges and references. [Graph.Validate]
// (run by Plan before any read) rejects empty key parts, duplicate keys,
// self-dependencies, unknown dependencies, references to outputs the target
// does not declare, and cycles, naming the resources involved. Every order
// the engine produces is deterministic: keys are sorted, never taken from map
// iteration.
//
// # References
//
// [Ref] is a typed reference to an output of another resource ([Output]). It
// implies a dependency and is resolved at apply time from the outputs of the
// create, update or no-op step of its target; [Inputs] carries them to
// Desired, Diff, Create and Update. At plan time, outputs of resources still
// to be created are unknown: an existing resource referencing one is planned
// as an update of "<ref> (known after apply)".
//
// # Plan
//
// [Graph.Plan] reads and never writes. Resources observe through one shared
// [Reader] that runs one list call per (appliance, collection) for the
// plan's lifetime (singleflight plus cache), then each resource diffs
// locally: create, update (with the changed fields), no-op; listers
// ([Graph.AddLister]) add deletes for managed objects no longer desired.
// [Plan.String] is a readable diff, [Plan.JSON] the machine form; [Step]s are
// plain data (id, key, action, deps, desired state as JSON) so a distributed
// executor could run them. Re-planning after a successful apply gives an
// empty plan: that is the drift detector.
//
// # Apply
//
// [Plan.Apply] runs one coordinator goroutine that drives a [Scheduler], the
// single, pure scheduling logic (no goroutines, clock or map order, so a
// durable workflow can drive the same one). It dispatches ready steps,
// longest remaining path (by [Estimator] durations) first, while fewer than
// the parallelism ([WithParallelism], default 10) are running and the step's
// appliance is under its write limit ([WithLimit], [WithDefaultLimit],
// default 1); [Limits] holds these numbers as data. A step waiting for a busy
// appliance never holds a global slot. Workers only run a step and send its
// report on a channel with room for every step, and the coordinator never
// waits for a slot, so neither can block the other. No-op steps complete inside the coordinator.
//
// A failed step skips its dependents (their error wraps [ErrUpstream] and
// names the failed step) while independent branches go on; [WithFailFast]
// cancels the run instead. Panics in resource code become [PanicError]s.
// [WithStepTimeout] bounds each attempt; [WithRetries] retries transient
// errors ([IsTransient]) with exponential backoff, emitting
// [EventRetrying]. A create whose outcome is unknown ([IsAmbiguous]: wraps
// sitekit.ErrOutcomeUnknown, e.g. via [Ambiguous], a deadline, a connection reset) is
// re-observed before anything else: if the object exists the step succeeds
// (or turns into an update), so nothing is ever created twice. Cancelling the
// context stops dispatch at once; running steps see their context cancelled
// and Apply returns once they have returned, with every step's state (those
// never started are [OutcomeCancelled]). Apply never leaves a goroutine
// behind.
//
// # One step elsewhere
//
// A step cannot travel: its resource holds closures over the clients. A
// distributed executor ships the plan's data (step IDs as [Key] text,
// [ParseKey] reads them back) and, where a step runs, rebuilds the graph and
// calls [Graph.Converge]: it takes the resource by key ([Graph.Lookup] finds
// listers' orphans too), observes it afresh, then creates, updates or
// deletes, so a repeated call after a crash or a lost answer never writes
// twice.
//
// # Destroy
//
// [Graph.PlanDestroy] and [Graph.Destroy] delete, in reverse dependency
// order, every resource that exists and carries the marker, plus the managed
// objects returned by listers; unmarked objects are reported in Plan.Kept
// and left alone.
//
// # Events and reports
//
// Events ([EventPlanned], [EventStarted], [EventRetrying], [EventDone],
// [EventFailed], [EventSkipped], [EventCancelled]) go to the callback of
// [WithEvents] through an unbounded in-order queue drained by its own
// goroutine: the coordinator never blocks on a slow consumer and no event is
// dropped (a run emits a few events per step, so the queue is bounded by the
// plan). [NewProgress] is a ready-made terminal renderer. [Plan.DOT] draws
// the graph coloured by action or outcome, [Result.Markdown] tabulates a
// result, and [Plan.LowerBound] gives the best possible wall time to judge a
// run against.
package engine

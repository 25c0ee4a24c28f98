package netdatatest

import "github.com/sitekit/sitekit/internal/simkit"

// Faults configures the injected failures (seeded, so a run is reproducible): error rate and
// statuses, Retry-After, latency, connection resets, ambiguous commits (applied, answer
// dropped) and a cap on concurrent writes. Pass it to [WithFaults] or to
// Server.Faults().SetFaults.
type Faults = simkit.Faults

// Injector is a server's fault injector and per-call counters, returned by Server.Faults.
type Injector = simkit.Injector

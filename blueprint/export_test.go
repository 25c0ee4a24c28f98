package blueprint

import (
	"context"
	"time"

	"github.com/sitekit/sitekit/blueprint/engine"
)

// Exported for the external tests (package blueprint_test), which use internal/examplekit
// (itself importing this package).

// BadSite is one invalid site of validate_test.go.
type BadSite struct {
	Name, Field string
	Edit        func(*Site)
}

// BadSitesForTest lists the invalid sites of validate_test.go.
func BadSitesForTest() []BadSite {
	var out []BadSite
	for _, c := range badSites() {
		out = append(out, BadSite{c.name, c.field, c.edit})
	}
	return out
}

// ReferenceSiteForTest is the Pessac site of validate_test.go.
var ReferenceSiteForTest = referenceSite

// SetGateWaitForTest shortens the Netdata gate's wait; it returns a restore function.
func SetGateWaitForTest(wait, interval time.Duration) func() {
	w, i, r := gateWait, gateInterval, gateReport
	gateWait, gateInterval, gateReport = wait, interval, 0
	return func() { gateWait, gateInterval, gateReport = w, i, r }
}

// SetEMSJoinWaitForTest shortens the wait for the FortiGate to appear on EMS.
func SetEMSJoinWaitForTest(wait, interval time.Duration) func() {
	w, i := emsJoinWait, emsJoinInterval
	emsJoinWait, emsJoinInterval = wait, interval
	return func() { emsJoinWait, emsJoinInterval = w, i }
}

// SetWriteHookForTest makes bp call before and after (either may be nil) around every
// write of every resource, synchronously on the worker running it.
func SetWriteHookForTest(bp *Blueprint, before, after func(context.Context, engine.Key)) {
	bp.hook = &writeHook{before: before, after: after}
}

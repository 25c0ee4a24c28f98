// Command devserver runs an ephemeral, in-memory Temporal server
// (go.temporal.io/server/temporaltest) on 127.0.0.1 for the end-to-end tests and
// benchmarks of the sitekit temporal module. It lives in its own module so that the
// server's dependencies never share a build list with the SDK's.
//
// Once the server accepts connections it prints one line, "ADDRESS NAMESPACE", on
// standard output, then runs until SIGINT or SIGTERM. Use them as
// SITEKIT_TEMPORAL_ADDRESS and SITEKIT_TEMPORAL_NAMESPACE:
//
//	go build -o /tmp/devserver . && /tmp/devserver
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/server/temporaltest"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	ts := temporaltest.NewServer()
	fmt.Println(ts.GetFrontendHostPort(), ts.GetDefaultNamespace())
	<-sig
	ts.Stop()
}

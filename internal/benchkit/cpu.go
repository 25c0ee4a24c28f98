//go:build unix

// Package benchkit holds what the benchmarks comparing a client with bare net/http share:
// the process CPU clock they measure both sides with.
package benchkit

import (
	"syscall"
	"testing"
	"time"
)

// ProcessCPU is the CPU time (user + system) the process has used so far. It fails tb when
// the operating system does not answer.
func ProcessCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

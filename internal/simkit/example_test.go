package simkit_test

import (
	"fmt"

	"github.com/sitekit/sitekit/internal/simkit"
)

// Seeded faults are reproducible: the same seed injects the same failures in the same order.
func Example() {
	run := func() (faults int) {
		inj := simkit.NewInjector(simkit.Faults{Seed: 7, Rate: 0.2})
		for range 100 {
			d := inj.Decide("POST /objects", true)
			if d.Action != simkit.Proceed {
				faults++
			}
			d.Release()
		}
		return faults
	}
	first, second := run(), run()
	fmt.Println(first == second, first > 0)
	inj := simkit.NewInjector(simkit.Faults{})
	inj.FailNext(429, 0)
	fmt.Println(inj.Decide("GET /x", false).Status, inj.Calls("GET /x"))
	// Output:
	// true true
	// 429 1
}

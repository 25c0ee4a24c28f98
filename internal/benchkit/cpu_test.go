//go:build unix

package benchkit_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sitekit/sitekit/internal/benchkit"
)

func TestProcessCPUAdvances(t *testing.T) {
	before := benchkit.ProcessCPU(t)
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	assert.Positive(t, x)
	assert.Greater(t, benchkit.ProcessCPU(t), before, "burning CPU advances the process CPU clock")
}

func ExampleProcessCPU() {
	var tb testing.TB = &testing.B{} // inside a benchmark: its b
	start := benchkit.ProcessCPU(tb)
	fmt.Println(benchkit.ProcessCPU(tb) >= start)
	// Output: true
}

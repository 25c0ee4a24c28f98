package examplekit_test

import (
	"fmt"
	"log"

	"github.com/sitekit/sitekit/internal/examplekit"
)

// The reference site and its five simulators, linked as on site.
func Example() {
	site := examplekit.Pessac()
	fmt.Println(site.Name, site.Validate())
	sims, err := examplekit.StartSims(examplekit.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sims.Close()
	fmt.Println(len(sims.Injectors()), "simulators;", "netdata parent:", examplekit.NetdataParent(site))
	// Output:
	// pv-pessac <nil>
	// 5 simulators; netdata parent: monitor
}

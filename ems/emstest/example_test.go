package emstest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/ems/emstest"
)

// An EMS simulator: sessions expire on demand (the client signs in again by itself), the
// FortiGate authorization state can be seeded and inspected, calls are counted.
func Example() {
	srv, err := emstest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	srv.AddPendingFortiGate("FGT80FTK22000001", "fw-pessac")
	if _, err := c.System.Serial(ctx); err != nil {
		log.Fatal(err)
	}
	srv.ExpireSessions() // the next call meets the expired-session answer and re-logs in
	if _, err := c.FortiGates.Authorize(ctx, "FGT80FTK22000001"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("authorized:", srv.IsAuthorized("FGT80FTK22000001"))
	fmt.Println("sign-ins:", srv.Faults().Calls("POST /api/v1/auth/signin"))
	// Output:
	// authorized: true
	// sign-ins: 2
}

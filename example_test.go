package sitekit_test

import (
	"errors"
	"fmt"

	"github.com/sitekit/sitekit"
)

// Every client takes the same options; a bad one is reported by field before any I/O.
func Example() {
	token := sitekit.NewSecret("0123456789abcdef")
	_, err := sitekit.Apply(
		sitekit.WithToken(token),
		sitekit.WithCertSHA256("not-a-fingerprint"),
	)
	fmt.Println(errors.Is(err, sitekit.ErrInvalid))
	fmt.Println(err)
	fmt.Printf("token: %v\n", token)
	// Output:
	// true
	// invalid CertSHA256[0] "not-a-fingerprint": must be a SHA-256 fingerprint (64 hex digits, colons allowed)
	// token: [redacted]
}

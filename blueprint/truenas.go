package blueprint

// truenas adds the truenas resources to the graph.
//
// TODO(xo engineer): replace this stub (see the key/output contract at the top of build.go).
func (b *build) truenas() error { return nil }

package blueprint

// ems adds the ems resources to the graph.
func (b *build) ems() error { return nil }

package blueprint

// netdata adds the netdata resources to the graph.
func (b *build) netdata() error { return nil }

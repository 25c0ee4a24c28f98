package blueprint

// fortigate adds the fortigate resources to the graph.
func (b *build) fortigate() error { return nil }

// Package blueprint declares a client site as Go code and converges the five appliances to it.
//
// A [Site] is data (users, growth, address plan, host, VMs, backup policy, off-site target,
// teleworkers). [Site.Validate] reports every problem at once, each naming the field and the
// value, before anything is sent to an appliance.
package blueprint

package xotest

import "fmt"

// VMState is a step of a VM's life reported to the function set with [Server.OnVM].
type VMState string

// The VM life-cycle steps [Server.OnVM] reports.
const (
	// VMStarted: the VM was started (at creation with boot, or by an action). Its guest,
	// cloud-init with it, runs from then on.
	VMStarted VMState = "started"
	// VMHalted: a running VM stopped (shutdown, hard stop, or the first half of a reboot).
	VMHalted VMState = "halted"
	// VMDestroyed: the VM was deleted.
	VMDestroyed VMState = "destroyed"
)

// VMEvent is one step of a VM's life, with what the guest would see of itself.
type VMEvent struct {
	State VMState
	// ID, Name and Tags are the VM's id, name_label and tags.
	ID, Name string
	Tags     []string
	// IP is the address the started VM will report (from its network-config, else one
	// the simulator picks); "" unless State is VMStarted.
	IP string
	// ConfigDrive is the cloud-init drive create_vm wrote, when HasConfigDrive.
	ConfigDrive    ConfigDrive
	HasConfigDrive bool
}

// OnVM makes the server call fn at each step of every VM's life (see [VMState]), in the
// order the steps happen. It lets a test wire what a booted guest would do elsewhere: for
// example a Netdata agent installed by cloud-init starting to stream to its parent. fn runs
// while the server holds its lock: it must not call the XO server back. nil removes the
// function.
func (s *Server) OnVM(fn func(VMEvent)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vmHook = fn
}

// vmEvent reports a step of vm's life to the OnVM function. Called with s.mu held.
func (s *Server) vmEvent(state VMState, vm map[string]any) {
	if s.vmHook == nil {
		return
	}
	id := fmt.Sprint(vm["id"])
	ev := VMEvent{State: state, ID: id, Name: fmt.Sprint(vm["name_label"]), Tags: listOf(vm["tags"])}
	if b := s.boots[id]; state == VMStarted && b != nil {
		ev.IP = b.ip
	}
	ev.ConfigDrive, ev.HasConfigDrive = s.drives[id]
	s.vmHook(ev)
}

package truenas

import (
	"context"
	"fmt"
	"iter"

	"github.com/sitekit/sitekit"
)

// Service names as the middleware knows them.
const (
	ServiceNFS   = "nfs"
	ServiceSMB   = "cifs"
	ServiceSSH   = "ssh"
	ServiceISCSI = "iscsitarget"
)

// Service is a service.query entry.
type Service struct {
	ID      int64  `json:"id"`
	Service string `json:"service"`
	Enable  bool   `json:"enable"` // start on boot
	State   string `json:"state"`  // RUNNING, STOPPED, …
	Pids    []int  `json:"pids"`
}

// ServicesService manages services. Start/Stop/Restart/Reload call service.start… on API
// v25.04 (plain calls) and service.control (a job) from v25.10 on; on 26.0 service.start… are
// private.
type ServicesService struct{ c *Client }

// List returns the services selected by opts (nil: all of them).
func (s *ServicesService) List(ctx context.Context, opts *ListOptions) ([]Service, error) {
	return query[Service](ctx, s.c, "service.query", opts)
}

// All iterates over the services selected by opts, 100 per call; an error ends the sequence.
func (s *ServicesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Service, error] {
	return pages[Service](ctx, s.c, "service.query", opts, 100)
}

// Get returns a service by name ("nfs", "cifs", "ssh").
func (s *ServicesService) Get(ctx context.Context, name string) (Service, error) {
	if name == "" {
		return Service{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	return getOne[Service](ctx, s.c, "service.query", Eq("service", name))
}

// SetEnabled sets whether the service starts on boot (service.update); it does not start it.
func (s *ServicesService) SetEnabled(ctx context.Context, name string, enable bool) error {
	if name == "" {
		return sitekit.Invalid("Name", name, "must not be empty")
	}
	return s.c.call(ctx, "service.update", []any{name, map[string]any{"enable": enable}}, nil, true)
}

// Start starts a service.
func (s *ServicesService) Start(ctx context.Context, name string) error {
	return s.control(ctx, "START", name)
}

// Stop stops a service.
func (s *ServicesService) Stop(ctx context.Context, name string) error {
	return s.control(ctx, "STOP", name)
}

// Restart restarts a service.
func (s *ServicesService) Restart(ctx context.Context, name string) error {
	return s.control(ctx, "RESTART", name)
}

// Reload reloads a service's configuration.
func (s *ServicesService) Reload(ctx context.Context, name string) error {
	return s.control(ctx, "RELOAD", name)
}

func (s *ServicesService) control(ctx context.Context, verb, name string) error {
	if name == "" {
		return sitekit.Invalid("Name", name, "must not be empty")
	}
	newer, err := s.c.atLeast(ctx, "v25.10.0")
	if err != nil {
		return err
	}
	opts := map[string]any{"ha_propagate": true, "silent": false}
	var ok bool
	method := "service.control"
	if newer {
		opts["timeout"] = 120
		if _, err := s.c.runJob(ctx, method, []any{verb, name, opts}, nil, &ok); err != nil {
			return err
		}
	} else {
		method = map[string]string{"START": "service.start", "STOP": "service.stop", "RESTART": "service.restart", "RELOAD": "service.reload"}[verb]
		if err := s.c.call(ctx, method, []any{name, opts}, &ok, true); err != nil {
			return err
		}
	}
	if !ok && verb != "STOP" {
		return &APIError{Method: method, Code: CodeMethodCallError, Errno: 202, ErrName: "ESERVICESTARTFAILURE",
			Reason: fmt.Sprintf("service %s: %s returned false", name, verb)}
	}
	return nil
}

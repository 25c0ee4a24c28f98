package truenas

import "context"

// SystemInfo is the result of system.info.
type SystemInfo struct {
	Version              string    `json:"version"`
	BuildTime            *Time     `json:"buildtime"`
	Hostname             string    `json:"hostname"`
	PhysMem              int64     `json:"physmem"`
	Model                string    `json:"model"`
	Cores                int       `json:"cores"`
	PhysicalCores        int       `json:"physical_cores"`
	LoadAvg              []float64 `json:"loadavg"`
	Uptime               string    `json:"uptime"`
	UptimeSeconds        float64   `json:"uptime_seconds"`
	SystemSerial         string    `json:"system_serial"`
	SystemProduct        string    `json:"system_product"`
	SystemProductVersion string    `json:"system_product_version"`
	BootTime             *Time     `json:"boottime"`
	Datetime             *Time     `json:"datetime"`
	Timezone             string    `json:"timezone"`
	SystemManufacturer   string    `json:"system_manufacturer"`
	ECCMemory            bool      `json:"ecc_memory"`
}

// SystemService reads system information.
type SystemService struct{ c *Client }

// Info returns system.info.
func (s *SystemService) Info(ctx context.Context) (SystemInfo, error) {
	return callT[SystemInfo](ctx, s.c, "system.info", false)
}

// Version returns system.version ("TrueNAS-25.10.1").
func (s *SystemService) Version(ctx context.Context) (string, error) {
	return callT[string](ctx, s.c, "system.version", false)
}

// VersionShort returns system.version_short ("25.10.1").
func (s *SystemService) VersionShort(ctx context.Context) (string, error) {
	return callT[string](ctx, s.c, "system.version_short", false)
}

// Ready returns system.ready.
func (s *SystemService) Ready(ctx context.Context) (bool, error) {
	return callT[bool](ctx, s.c, "system.ready", false)
}

// Ping calls core.ping and returns its answer ("pong").
func (s *SystemService) Ping(ctx context.Context) (string, error) {
	return callT[string](ctx, s.c, "core.ping", false)
}

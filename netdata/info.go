package netdata

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// Info is /api/v1/info: the agent's version, identity, host facts, alarm counters and
// streaming topology. Decoding accepts both 1.37 (numbers and booleans as strings, hyphenated
// keys, host_labels) and 2.x agents (numbers, booleans, labels, stream_compression).
type Info struct {
	Version             string       `json:"version"` // "v1.37.1" (leading v)
	UID                 string       `json:"uid"`     // machine GUID
	MirroredHosts       []string     `json:"mirrored_hosts"`
	MirroredHostsStatus []HostStatus `json:"mirrored_hosts_status"`
	Alarms              AlarmCounts  `json:"alarms"`

	OSName      string `json:"os_name"`
	OSID        string `json:"os_id"`
	OSIDLike    string `json:"os_id_like"`
	OSVersion   string `json:"os_version"`
	OSVersionID string `json:"os_version_id"`
	OSDetection string `json:"os_detection"`

	CoresTotal     Int `json:"cores_total"`
	TotalDiskSpace Int `json:"total_disk_space"` // bytes
	CPUFreq        Int `json:"cpu_freq"`         // Hz
	RAMTotal       Int `json:"ram_total"`        // bytes

	ContainerOSName      string `json:"container_os_name"`
	ContainerOSID        string `json:"container_os_id"`
	ContainerOSIDLike    string `json:"container_os_id_like"`
	ContainerOSVersion   string `json:"container_os_version"`
	ContainerOSVersionID string `json:"container_os_version_id"`
	ContainerOSDetection string `json:"container_os_detection"`

	IsK8sNode           Bool   `json:"is_k8s_node"`
	KernelName          string `json:"kernel_name"`
	KernelVersion       string `json:"kernel_version"`
	Architecture        string `json:"architecture"`
	Virtualization      string `json:"virtualization"`
	VirtDetection       string `json:"virt_detection"`
	Container           string `json:"container"`
	ContainerDetection  string `json:"container_detection"`
	CloudProviderType   string `json:"cloud_provider_type"`
	CloudInstanceType   string `json:"cloud_instance_type"`
	CloudInstanceRegion string `json:"cloud_instance_region"`

	// HostLabels are the host labels (1.37 "host_labels", 2.x "labels").
	HostLabels map[string]string `json:"-"`
	// Functions are the agent functions by name (may be empty).
	Functions  map[string]Function `json:"-"`
	Collectors []Collector         `json:"collectors"`

	CloudEnabled   Bool `json:"cloud-enabled"`
	CloudAvailable Bool `json:"cloud-available"`
	AgentClaimed   Bool `json:"agent-claimed"`
	ACLKAvailable  Bool `json:"aclk-available"`
	// MemoryMode is the database mode ("dbengine", "ram", …).
	MemoryMode       string `json:"memory-mode"`
	MultiDBDiskQuota Int    `json:"multidb-disk-quota"` // MiB
	PageCacheSize    Int    `json:"page-cache-size"`    // MiB
	// StreamEnabled is true on a child that streams to a parent.
	StreamEnabled Bool `json:"stream-enabled"`
	// StreamCompression (1.37 "stream-compression", often null; 2.x "stream_compression").
	StreamCompression Bool   `json:"-"`
	HTTPSEnabled      Bool   `json:"https-enabled"`
	BuildInfo         string `json:"buildinfo"`
	ReleaseChannel    string `json:"release-channel"`
	WebEnabled        Bool   `json:"web-enabled"`
}

// HostStatus is one entry of mirrored_hosts_status: a host this agent holds data for
// (itself at hops 0, streamed children at hops ≥ 1).
type HostStatus struct {
	GUID      string `json:"guid"`
	Hostname  string `json:"hostname"`
	Reachable Bool   `json:"reachable"`
	Hops      Int    `json:"hops"`
	ClaimID   string `json:"claim_id"` // null when unclaimed
	NodeID    string `json:"node_id"`
}

// AlarmCounts counts enabled alarms by state. Normal includes uninitialized/undefined ones.
type AlarmCounts struct {
	Normal   Int `json:"normal"`
	Warning  Int `json:"warning"`
	Critical Int `json:"critical"`
}

// Function is an agent function (e.g. "processes").
type Function struct {
	Help    string `json:"help"`
	Timeout Int    `json:"timeout"`
	Options string `json:"options"`
}

// Collector is a running data collection plugin/module pair.
type Collector struct {
	Plugin string `json:"plugin"`
	Module string `json:"module"`
}

// UnmarshalJSON decodes both the 1.37 and 2.x shapes.
func (i *Info) UnmarshalJSON(b []byte) error {
	type plain Info
	var aux struct {
		*plain
		HostLabels  json.RawMessage `json:"host_labels"`
		Labels      json.RawMessage `json:"labels"`
		Functions   json.RawMessage `json:"functions"`
		StreamComp1 *Bool           `json:"stream-compression"`
		StreamComp2 *Bool           `json:"stream_compression"`
	}
	aux.plain = (*plain)(i)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	lenientMap(aux.HostLabels, &i.HostLabels)
	if i.HostLabels == nil {
		lenientMap(aux.Labels, &i.HostLabels)
	}
	lenientMap(aux.Functions, &i.Functions)
	switch {
	case aux.StreamComp2 != nil:
		i.StreamCompression = *aux.StreamComp2
	case aux.StreamComp1 != nil:
		i.StreamCompression = *aux.StreamComp1
	}
	return nil
}

// Semver returns the agent version as numbers ("v1.37.1" → 1, 37, 1); ok is false when the
// version cannot be read (e.g. a nightly string without numbers).
func (i *Info) Semver() (major, minor, patch int, ok bool) {
	return parseVersion(i.Version)
}

// AtLeast reports whether the agent version is ≥ major.minor.
func (i *Info) AtLeast(major, minor int) bool {
	ma, mi, _, ok := parseVersion(i.Version)
	return ok && (ma > major || (ma == major && mi >= minor))
}

// HasAPIv2 reports whether the agent serves /api/v2 (added in v1.39.0).
func (i *Info) HasAPIv2() bool { return i.AtLeast(1, 39) }

// HasAPIv3 reports whether the agent serves /api/v3 (added in v2.0.0).
func (i *Info) HasAPIv3() bool { return i.AtLeast(2, 0) }

func parseVersion(v string) (major, minor, patch int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	// "1.37.1", "1.11.1_rolling", "2.11.0-12-nightly"
	if k := strings.IndexAny(v, "-_+ "); k >= 0 {
		v = v[:k]
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return 0, 0, 0, false
	}
	nums := make([]int, 3)
	for k := 0; k < len(parts) && k < 3; k++ {
		n, err := strconv.Atoi(parts[k])
		if err != nil {
			return 0, 0, 0, false
		}
		nums[k] = n
	}
	return nums[0], nums[1], nums[2], true
}

// Info reads /api/v1/info.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var out Info
	if _, err := c.get(ctx, "/api/v1/info", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

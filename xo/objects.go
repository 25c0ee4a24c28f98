package xo

import (
	"encoding/json"

	"github.com/sitekit/sitekit/internal/lenient"
)

// Number is a JSON number that also decodes from a numeric string or null (XO and XAPI are
// not consistent: host CPU counts are strings, memory sizes numbers). It encodes as a number.
// The rules are [lenient.Float]'s: 42, 4.2, "42" decode as such; null, "" and non-numeric
// strings as 0; objects and arrays are an error.
type Number float64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Number) UnmarshalJSON(b []byte) error {
	var f lenient.Float
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	*n = Number(f.Value)
	return nil
}

// Int returns n as an int64 (truncated).
func (n Number) Int() int64 { return int64(n) }

// Common are the properties shared by XAPI-backed objects.
type Common struct {
	ID              string   `json:"id"`
	UUID            string   `json:"uuid,omitempty"`
	Type            string   `json:"type,omitempty"`
	NameLabel       string   `json:"name_label,omitempty"`
	NameDescription string   `json:"name_description,omitempty"`
	Pool            string   `json:"$pool,omitempty"`
	Tags            []string `json:"tags,omitempty"`
	XapiRef         string   `json:"_xapiRef,omitempty"`
	// Href is set in list answers only.
	Href string `json:"href,omitempty"`
}

func (c Common) objectID() string   { return c.ID }
func (c Common) objectName() string { return c.NameLabel }
func (c Common) objectPool() string { return c.Pool }

// Pool is an XCP-ng pool.
type Pool struct {
	Common
	Master      string `json:"master"`
	DefaultSR   string `json:"default_SR,omitempty"`
	HAEnabled   bool   `json:"HA_enabled"`
	AutoPoweron bool   `json:"auto_poweron"`
	CPUs        struct {
		Cores   Number `json:"cores"`
		Sockets Number `json:"sockets"`
	} `json:"cpus"`
	PlatformVersion string `json:"platform_version,omitempty"`
}

// Host is an XCP-ng host.
type Host struct {
	Common
	Hostname     string `json:"hostname"`
	Address      string `json:"address"`
	PowerState   string `json:"power_state"`
	Enabled      bool   `json:"enabled"`
	Version      string `json:"version"`
	ProductBrand string `json:"productBrand"`
	Build        string `json:"build"`
	CPUs         struct {
		CPUCount  Number `json:"cpu_count"`
		ModelName string `json:"modelname"`
	} `json:"CPUs"`
	Memory struct {
		Usage Number `json:"usage"`
		Size  Number `json:"size"`
	} `json:"memory"`
	PIFs           []string          `json:"PIFs"`
	PBDs           []string          `json:"$PBDs"`
	ResidentVMs    []string          `json:"residentVms"`
	BIOSStrings    map[string]string `json:"bios_strings,omitempty"`
	RebootRequired bool              `json:"rebootRequired"`
}

// PIF is a physical (VLAN -1) or VLAN interface of a host.
type PIF struct {
	Common
	Device     string `json:"device"`
	DeviceName string `json:"deviceName,omitempty"`
	VLAN       Number `json:"vlan"`
	Physical   bool   `json:"physical"`
	Management bool   `json:"management"`
	Attached   bool   `json:"attached"`
	Carrier    bool   `json:"carrier"`
	MAC        string `json:"mac"`
	MTU        Number `json:"mtu"`
	Mode       string `json:"mode"`
	IP         string `json:"ip"`
	Netmask    string `json:"netmask"`
	Gateway    string `json:"gateway"`
	DNS        string `json:"dns"`
	Speed      Number `json:"speed"`
	Host       string `json:"$host"`
	Network    string `json:"$network"`
}

func (p PIF) objectName() string { return p.Device }

// Network is an XAPI network.
type Network struct {
	Common
	Bridge          string            `json:"bridge"`
	MTU             Number            `json:"MTU"`
	PIFs            []string          `json:"PIFs"`
	VIFs            []string          `json:"VIFs"`
	Automatic       bool              `json:"automatic"`
	DefaultIsLocked bool              `json:"defaultIsLocked"`
	IsBonded        bool              `json:"isBonded"`
	NBD             bool              `json:"nbd"`
	OtherConfig     map[string]string `json:"other_config,omitempty"`
}

// SR is a storage repository.
type SR struct {
	Common
	SRType             string   `json:"SR_type"`
	ContentType        string   `json:"content_type"`
	Size               Number   `json:"size"`
	PhysicalUsage      Number   `json:"physical_usage"`
	Usage              Number   `json:"usage"`
	Shared             bool     `json:"shared"`
	VDIs               []string `json:"VDIs"`
	PBDs               []string `json:"$PBDs"`
	Container          string   `json:"$container"`
	AllocationStrategy string   `json:"allocationStrategy,omitempty"`
	InMaintenanceMode  bool     `json:"inMaintenanceMode"`
}

// CPUs is a VM's vCPU configuration.
type CPUs struct {
	Max    Number `json:"max"`
	Number Number `json:"number"`
}

// Memory is a VM's memory configuration in bytes: Dynamic and Static are [min, max].
type Memory struct {
	Dynamic []Number `json:"dynamic"`
	Static  []Number `json:"static"`
	Size    Number   `json:"size"`
}

// Boot is a VM's boot configuration.
type Boot struct {
	Firmware string `json:"firmware,omitempty"`
	Order    string `json:"order,omitempty"`
}

// VM is a virtual machine (type "VM"). Power states: Halted, Running, Paused, Suspended.
type VM struct {
	Common
	PowerState              string            `json:"power_state"`
	VirtualizationMode      string            `json:"virtualizationMode,omitempty"`
	CPUs                    CPUs              `json:"CPUs"`
	Memory                  Memory            `json:"memory"`
	Addresses               map[string]string `json:"addresses"`
	MainIPAddress           string            `json:"mainIpAddress,omitempty"`
	PVDriversDetected       bool              `json:"pvDriversDetected"`
	ManagementAgentDetected bool              `json:"managementAgentDetected"`
	PVDriversVersion        any               `json:"pvDriversVersion,omitempty"`
	OSVersion               map[string]string `json:"os_version,omitempty"`
	VIFs                    []string          `json:"VIFs"`
	VBDs                    []string          `json:"$VBDs"`
	Snapshots               []string          `json:"snapshots"`
	Container               string            `json:"$container,omitempty"`
	AutoPoweron             bool              `json:"auto_poweron"`
	HighAvailability        string            `json:"high_availability"`
	Boot                    Boot              `json:"boot"`
	AffinityHost            string            `json:"affinityHost,omitempty"`
	BlockedOperations       map[string]string `json:"blockedOperations,omitempty"`
	Other                   map[string]string `json:"other,omitempty"`
	XenStoreData            map[string]string `json:"xenStoreData,omitempty"`
	Creation                map[string]string `json:"creation,omitempty"`
	StartTime               *Number           `json:"startTime,omitempty"`
	SecureBoot              bool              `json:"secureBoot"`
}

// TemplateDisk is a disk a template provisions.
type TemplateDisk struct {
	SR       string `json:"SR"`
	Bootable bool   `json:"bootable"`
	Device   string `json:"device"`
	Size     Number `json:"size"`
	Type     string `json:"type"`
}

// Template is a VM template (type "VM-template").
type Template struct {
	VM
	IsDefaultTemplate bool `json:"isDefaultTemplate"`
	TemplateInfo      struct {
		Disks          []TemplateDisk `json:"disks"`
		InstallMethods []string       `json:"install_methods"`
	} `json:"template_info"`
}

// VIF is a VM's virtual interface.
type VIF struct {
	Common
	Device      string `json:"device"`
	MAC         string `json:"MAC"`
	MTU         Number `json:"MTU"`
	Attached    bool   `json:"attached"`
	LockingMode string `json:"lockingMode"`
	Network     string `json:"$network"`
	VM          string `json:"$VM"`
}

func (v VIF) objectName() string { return v.Device }

// VDI is a virtual disk. Size is the virtual size in bytes.
type VDI struct {
	Common
	Size      Number   `json:"size"`
	Usage     Number   `json:"usage"`
	VDIType   string   `json:"VDI_type"`
	SR        string   `json:"$SR"`
	VBDs      []string `json:"$VBDs"`
	Snapshots []string `json:"snapshots"`
	Missing   bool     `json:"missing"`
}

// VBD links a VM and a VDI.
type VBD struct {
	Common
	VM        string `json:"VM"`
	VDI       string `json:"VDI"`
	Device    string `json:"device"`
	Position  string `json:"position"`
	Bootable  bool   `json:"bootable"`
	IsCDDrive bool   `json:"is_cd_drive"`
	ReadOnly  bool   `json:"read_only"`
	Attached  bool   `json:"attached"`
}

func (v VBD) objectName() string { return v.Device }

// Server is an XCP-ng pool master registered in XO.
type Server struct {
	ID                string          `json:"id"`
	Host              string          `json:"host"`
	Label             string          `json:"label,omitempty"`
	Username          string          `json:"username"`
	AllowUnauthorized bool            `json:"allowUnauthorized"`
	Enabled           bool            `json:"enabled"`
	ReadOnly          bool            `json:"readOnly"`
	Status            string          `json:"status"`
	PoolID            string          `json:"poolId,omitempty"`
	PoolNameLabel     string          `json:"poolNameLabel,omitempty"`
	Error             json.RawMessage `json:"error,omitempty"`
	Href              string          `json:"href,omitempty"`
}

func (v Server) objectID() string   { return v.ID }
func (v Server) objectName() string { return v.Label }
func (v Server) objectPool() string { return v.PoolID }

// Alarm is an XAPI alarm message.
type Alarm struct {
	ID   string `json:"id"`
	UUID string `json:"uuid"`
	Type string `json:"type"`
	Name string `json:"name"`
	Time Number `json:"time"`
	Body struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"body"`
	Object struct {
		Type string `json:"type"`
		UUID string `json:"uuid"`
		Href string `json:"href,omitempty"`
	} `json:"object"`
	Pool string `json:"$pool,omitempty"`
	Href string `json:"href,omitempty"`
}

func (v Alarm) objectID() string   { return v.ID }
func (v Alarm) objectName() string { return v.Body.Name }
func (v Alarm) objectPool() string { return v.Pool }

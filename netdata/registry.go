package netdata

import (
	"context"
	"net/url"
)

// RegistryHello is /api/v1/registry?action=hello.
type RegistryHello struct {
	Action              string `json:"action"`
	Status              string `json:"status"`
	Hostname            string `json:"hostname"`
	MachineGUID         string `json:"machine_guid"`
	Registry            string `json:"registry"`
	CloudBaseURL        string `json:"cloud_base_url"`
	AnonymousStatistics Bool   `json:"anonymous_statistics"`
}

// RegistryHello reads /api/v1/registry?action=hello (identity and registry URL; answered even
// when the registry is disabled).
func (c *Client) RegistryHello(ctx context.Context) (*RegistryHello, error) {
	var out RegistryHello
	if _, err := c.get(ctx, "/api/v1/registry", url.Values{"action": {"hello"}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

package netdata

import (
	"net/url"
	"strconv"

	"github.com/sitekit/sitekit"
)

// BadgeOptions describe a /api/v1/badge.svg badge.
type BadgeOptions struct {
	Chart string // required
	// Alarm shows an alarm's value and colours the badge by its status.
	Alarm     string
	Dimension []string
	After     int64 // relative seconds (≤ 0) or unix time
	Before    int64
	Group     string
	Label     string
	Units     string
	Precision *int
	// Refresh is "auto" or a number of seconds ("" for none).
	Refresh string
	// ValueColor and LabelColor are Netdata colour names or hex (without #).
	ValueColor string
	LabelColor string
}

// Validate checks the options without I/O.
func (o BadgeOptions) Validate() error {
	if o.Chart == "" {
		return sitekit.Invalid("Chart", o.Chart, "must not be empty")
	}
	if o.Precision != nil && (*o.Precision < -1 || *o.Precision > 20) {
		return sitekit.Invalid("Precision", *o.Precision, "must be between -1 and 20")
	}
	if o.After != 0 && (o.After > 0) == (o.Before > 0) && o.After > o.Before {
		return sitekit.Invalid("After", o.After, "must not be later than Before")
	}
	if o.Refresh != "" && o.Refresh != "auto" {
		if n, err := strconv.Atoi(o.Refresh); err != nil || n < 1 {
			return sitekit.Invalid("Refresh", o.Refresh, `must be "auto" or a positive number of seconds`)
		}
	}
	return nil
}

// BadgeURL builds the URL of an SVG badge (for dashboards, wikis, ticket templates). It does
// no I/O; the badge is served anonymously by the agent ("allow badges from").
func (c *Client) BadgeURL(o BadgeOptions) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	q := url.Values{"chart": {o.Chart}}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("alarm", o.Alarm)
	for _, d := range o.Dimension {
		q.Add("dimension", d)
	}
	if o.After != 0 {
		q.Set("after", strconv.FormatInt(o.After, 10))
	}
	if o.Before != 0 {
		q.Set("before", strconv.FormatInt(o.Before, 10))
	}
	set("group", o.Group)
	set("label", o.Label)
	set("units", o.Units)
	if o.Precision != nil {
		q.Set("precision", strconv.Itoa(*o.Precision))
	}
	set("refresh", o.Refresh)
	set("value_color", o.ValueColor)
	set("label_color", o.LabelColor)
	return c.BaseURL() + c.path("/api/v1/badge.svg") + "?" + q.Encode(), nil
}

package truenas

import (
	"context"
	"encoding/json"
)

// Alert is an entry of alert.list.
type Alert struct {
	UUID           string          `json:"uuid"`
	Source         string          `json:"source"`
	Klass          string          `json:"klass"`
	Args           json.RawMessage `json:"args,omitempty"`
	Node           string          `json:"node"`
	Key            string          `json:"key"`
	Datetime       *Time           `json:"datetime"`
	LastOccurrence *Time           `json:"last_occurrence"`
	Dismissed      bool            `json:"dismissed"`
	Text           string          `json:"text"`
	ID             string          `json:"id"`
	Level          string          `json:"level"` // INFO NOTICE WARNING ERROR CRITICAL ALERT EMERGENCY
	Formatted      string          `json:"formatted"`
	OneShot        bool            `json:"one_shot"`
}

// AlertsService reads and dismisses alerts.
type AlertsService struct{ c *Client }

// List returns the current alerts (alert.list).
func (s *AlertsService) List(ctx context.Context) ([]Alert, error) {
	return callT[[]Alert](ctx, s.c, "alert.list", false)
}

// Dismiss dismisses an alert by uuid.
func (s *AlertsService) Dismiss(ctx context.Context, uuid string) error {
	return s.c.call(ctx, "alert.dismiss", []any{uuid}, nil, true)
}

// Restore un-dismisses an alert by uuid.
func (s *AlertsService) Restore(ctx context.Context, uuid string) error {
	return s.c.call(ctx, "alert.restore", []any{uuid}, nil, true)
}

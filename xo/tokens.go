package xo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// TokensService creates authentication tokens (POST /rest/v0/users/me/authentication_tokens,
// XO ≥ 5.112) with the client's Basic credentials.
type TokensService struct{ c *Client }

// TokenRequest describes a token. ClientID makes creation idempotent: XO refreshes and
// returns the user's unexpired token of the same client id.
type TokenRequest struct {
	ClientID    string
	Description string
	ExpiresIn   string // e.g. "30 days"; empty: XO's default
}

// Token is a created token. Expiration and CreatedAt are Unix milliseconds.
type Token struct {
	// Token is the token itself (its id in XO); it prints as [redacted].
	Token       sitekit.Secret `json:"-"`
	UserID      string         `json:"user_id"`
	CreatedAt   Number         `json:"created_at"`
	Expiration  Number         `json:"expiration"`
	Description string         `json:"description"`
	Client      struct {
		ID string `json:"id"`
	} `json:"client"`
}

// Create creates (or refreshes, same ClientID) a token using Basic credentials. It follows
// XO's 307 from /users/me to /users/<id> re-sending the body.
func (s *TokensService) Create(ctx context.Context, req TokenRequest) (Token, error) {
	if s.c.settings.Username == "" || s.c.settings.Password.IsZero() {
		return Token{}, invalid("Username", s.c.settings.Username, "token creation needs sitekit.WithCredentials")
	}
	body := map[string]any{}
	if req.ClientID != "" {
		body["client"] = map[string]string{"id": req.ClientID}
	}
	if req.Description != "" {
		body["description"] = req.Description
	}
	if req.ExpiresIn != "" {
		body["expiresIn"] = req.ExpiresIn
	}
	var res struct {
		Token json.RawMessage `json:"token"`
	}
	ctx = context.WithValue(ctx, basicAuthKey{}, true)
	if _, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Path: rest.Path(restPrefix, "users", "me", "authentication_tokens"), Body: body, Result: &res}); err != nil {
		return Token{}, err
	}
	var t Token
	if err := json.Unmarshal(res.Token, &t); err != nil {
		return Token{}, err
	}
	var id struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(res.Token, &id); err != nil || id.ID == "" {
		return Token{}, errors.New("xo: token creation answered no token id")
	}
	t.Token = sitekit.NewSecret(id.ID)
	return t, nil
}

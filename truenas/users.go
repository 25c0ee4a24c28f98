package truenas

import (
	"context"
	"iter"

	"github.com/sitekit/sitekit"
)

// User is a user.query entry.
type User struct {
	ID               int64    `json:"id"`
	UID              int64    `json:"uid"`
	Username         string   `json:"username"`
	FullName         string   `json:"full_name"`
	Home             string   `json:"home"`
	Shell            string   `json:"shell"`
	Email            string   `json:"email"`
	Builtin          bool     `json:"builtin"`
	Locked           bool     `json:"locked"`
	PasswordDisabled bool     `json:"password_disabled"`
	SMB              bool     `json:"smb"`
	SSHPubKey        string   `json:"sshpubkey"`
	SudoCommands     []string `json:"sudo_commands"`
}

// UserRequest creates (Username and FullName required; a Password unless PasswordDisabled)
// or partially updates a user.
type UserRequest struct {
	Username         string
	FullName         string
	Email            *string
	GroupCreate      *bool // default true on create when Group is 0
	Group            int64
	Password         sitekit.Secret
	PasswordDisabled *bool
	Home             string
	Shell            string
	SMB              *bool
	SSHPubKey        *string
	Locked           *bool
}

func (r UserRequest) validate(create bool) error {
	if create || r.Username != "" {
		switch {
		case r.Username == "":
			return sitekit.Invalid("Username", r.Username, "must not be empty")
		case len(r.Username) > 32:
			return sitekit.Invalid("Username", r.Username, "must be at most 32 characters")
		case !userName.MatchString(r.Username):
			return sitekit.Invalid("Username", r.Username, "must start with a letter or _ and use letters, digits, _ . -")
		}
	}
	if create && r.FullName == "" {
		return sitekit.Invalid("FullName", r.FullName, "must not be empty")
	}
	disabled := r.PasswordDisabled != nil && *r.PasswordDisabled
	if create && !disabled && r.Password.IsZero() {
		return sitekit.Invalid("Password", "", "is required unless PasswordDisabled")
	}
	if disabled && !r.Password.IsZero() {
		return sitekit.Invalid("Password", "[redacted]", "must be empty when PasswordDisabled")
	}
	if r.Home != "" && r.Home[0] != '/' {
		return sitekit.Invalid("Home", r.Home, "must be an absolute path")
	}
	return nil
}

// Validate checks a create request before any I/O.
func (r UserRequest) Validate() error { return r.validate(true) }

func (r UserRequest) wire(create bool) map[string]any {
	m := map[string]any{}
	if r.Username != "" {
		m["username"] = r.Username
	}
	if r.FullName != "" {
		m["full_name"] = r.FullName
	}
	if r.Email != nil {
		m["email"] = *r.Email
	}
	if r.Group != 0 {
		m["group"] = r.Group
		m["group_create"] = false
	} else if r.GroupCreate != nil {
		m["group_create"] = *r.GroupCreate
	} else if create {
		m["group_create"] = true
	}
	if !r.Password.IsZero() {
		m["password"] = r.Password.Reveal()
	}
	if r.PasswordDisabled != nil {
		m["password_disabled"] = *r.PasswordDisabled
	}
	if r.Home != "" {
		m["home"] = r.Home
	}
	if r.Shell != "" {
		m["shell"] = r.Shell
	}
	if r.SMB != nil {
		m["smb"] = *r.SMB
	}
	if r.SSHPubKey != nil {
		m["sshpubkey"] = *r.SSHPubKey
	}
	if r.Locked != nil {
		m["locked"] = *r.Locked
	}
	return m
}

// UsersService manages local users. Identity: the username.
type UsersService struct{ c *Client }

// List returns the users selected by opts (nil: all of them).
func (s *UsersService) List(ctx context.Context, opts *ListOptions) ([]User, error) {
	return query[User](ctx, s.c, "user.query", opts)
}

// All iterates over the users selected by opts, 100 per call; an error ends the sequence.
func (s *UsersService) All(ctx context.Context, opts *ListOptions) iter.Seq2[User, error] {
	return pages[User](ctx, s.c, "user.query", opts, 100)
}

// Get returns the user with id; an error matching sitekit.ErrNotFound if none.
func (s *UsersService) Get(ctx context.Context, id int64) (User, error) {
	return getOne[User](ctx, s.c, "user.query", Eq("id", id))
}

// Find returns the user whose username is username; an error matching sitekit.ErrNotFound
// if none, ErrAmbiguousName if several.
func (s *UsersService) Find(ctx context.Context, username string) (User, error) {
	if username == "" {
		return User{}, sitekit.Invalid("Username", username, "must not be empty")
	}
	return findOne[User](ctx, s.c, "user.query", "username", username)
}

// Create creates a user.
func (s *UsersService) Create(ctx context.Context, req UserRequest) (User, error) {
	if err := req.validate(true); err != nil {
		return User{}, err
	}
	return callT[User](ctx, s.c, "user.create", true, req.wire(true))
}

// Update changes the fields set in req.
func (s *UsersService) Update(ctx context.Context, id int64, req UserRequest) (User, error) {
	if err := req.validate(false); err != nil {
		return User{}, err
	}
	return callT[User](ctx, s.c, "user.update", true, id, req.wire(false))
}

// Delete deletes a user (and its primary group when it has no other member).
func (s *UsersService) Delete(ctx context.Context, id int64) error {
	return s.c.call(ctx, "user.delete", []any{id, map[string]any{"delete_group": true}}, nil, true)
}

package xo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// ListOptions narrows a listing. The client always asks for objects (fields=*), never bare
// hrefs, unless Fields names the properties to fetch (id, href and the fields the typed object
// needs are then the caller's business).
type ListOptions struct {
	// Filter is a complex-matcher expression (see [Filter]).
	Filter Filter
	// Fields restricts the returned properties (fields=a,b); empty means all (fields=*).
	Fields []string
	// Limit caps the number of objects (applied by XO after the filter); 0 means no limit.
	Limit int
}

func (o *ListOptions) query() url.Values {
	q := url.Values{}
	fields := "*"
	if o != nil && len(o.Fields) > 0 {
		fields = strings.Join(o.Fields, ",")
	}
	q.Set("fields", fields)
	if o != nil {
		if !o.Filter.IsZero() {
			q.Set("filter", o.Filter.String())
		}
		if o.Limit > 0 {
			q.Set("limit", strconv.Itoa(o.Limit))
		}
	}
	return q
}

// object is what every typed XO object provides for generic lookups.
type object interface {
	objectID() string
	objectName() string
	objectPool() string
}

// collection is the shared read side of a REST collection (/rest/v0/<path>), behind the
// explicit methods of each service. nameProp is the property Find matches ("" when the
// collection has no name lookup); poolScoped collections are searched within one pool.
type collection[T object] struct {
	c          *Client
	path       string
	nameProp   string
	poolScoped bool
}

func (s collection[T]) list(ctx context.Context, opts *ListOptions) ([]T, error) {
	var out []T
	_, err := s.c.rest.Do(ctx, rest.Request{Path: rest.Path(restPrefix, rest.Raw(s.path)), Query: opts.query(), Result: &out})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s collection[T]) all(ctx context.Context, opts *ListOptions) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		items, err := s.list(ctx, opts)
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

func (s collection[T]) get(ctx context.Context, id string) (T, error) {
	var out T
	if strings.TrimSpace(id) == "" {
		return out, sitekit.Invalid("ID", id, "must not be empty")
	}
	_, err := s.c.rest.Do(ctx, rest.Request{Path: rest.Path(restPrefix, rest.Raw(s.path), id), Result: &out})
	return out, err
}

// find returns the object whose nameProp is name (in pool when the collection is
// pool-scoped): ErrNotFound when none matches, ErrAmbiguousName when several do.
func (s collection[T]) find(ctx context.Context, pool, name string) (T, error) {
	var zero T
	if strings.TrimSpace(name) == "" {
		return zero, sitekit.Invalid("Name", name, "must not be empty")
	}
	f := Eq(s.nameProp, name)
	if s.poolScoped {
		if !isUUID(pool) {
			return zero, sitekit.Invalid("Pool", pool, "name lookups are pool-scoped: give the pool's UUID")
		}
		f = And(Eq("$pool", pool), f)
	}
	items, err := s.list(ctx, &ListOptions{Filter: f})
	if err != nil {
		return zero, err
	}
	// XO's filter matches substrings case-insensitively: keep exact matches only.
	var found []T
	for _, it := range items {
		if it.objectName() == name && (!s.poolScoped || it.objectPool() == pool) {
			found = append(found, it)
		}
	}
	switch len(found) {
	case 0:
		return zero, &NotFoundError{Collection: s.path, Pool: pool, Name: name}
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, it := range found {
		ids[i] = it.objectID()
	}
	return zero, &AmbiguousError{Collection: s.path, Pool: pool, Name: name, IDs: ids}
}

// NotFoundError is a name lookup that matched nothing. It matches sitekit.ErrNotFound.
type NotFoundError struct {
	Collection, Pool, Name string
}

// Error implements error.
func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("xo: no %s named %q", e.Collection, e.Name)
	if e.Pool != "" {
		s += " in pool " + e.Pool
	}
	return s
}

// Is matches sitekit.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == sitekit.ErrNotFound }

// AmbiguousError is a name lookup that matched several objects. It matches [ErrAmbiguousName]
// and sitekit.ErrInvalid (the name does not identify one object).
type AmbiguousError struct {
	Collection, Pool, Name string
	IDs                    []string
}

// Error implements error.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("xo: Name %q: ambiguous: %d %s share it (%s)", e.Name, len(e.IDs), e.Collection, strings.Join(e.IDs, ", "))
}

// Is matches ErrAmbiguousName and sitekit.ErrInvalid.
func (e *AmbiguousError) Is(target error) bool {
	return target == ErrAmbiguousName || target == sitekit.ErrInvalid
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isUUID(s string) bool { return uuidRE.MatchString(s) }

// taggable adds tag verbs to collections whose objects carry tags.
type taggable struct {
	c    *Client
	path string
}

// AddTag adds tag to the object (PUT …/tags/<tag>); adding a present tag is a no-op.
func (s taggable) AddTag(ctx context.Context, id, tag string) error {
	if err := validTag(tag); err != nil {
		return err
	}
	_, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPut, Path: rest.Path(restPrefix, rest.Raw(s.path), id, "tags", tag)})
	return err
}

// RemoveTag removes tag from the object (DELETE …/tags/<tag>).
func (s taggable) RemoveTag(ctx context.Context, id, tag string) error {
	if err := validTag(tag); err != nil {
		return err
	}
	_, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodDelete, Path: rest.Path(restPrefix, rest.Raw(s.path), id, "tags", tag)})
	return err
}

// SetTags makes the object's tags exactly want, given its current tags: it adds the missing
// ones and removes the others.
func (s taggable) SetTags(ctx context.Context, id string, current, want []string) error {
	have := map[string]bool{}
	for _, t := range current {
		have[t] = true
	}
	keep := map[string]bool{}
	for _, t := range want {
		keep[t] = true
		if !have[t] {
			if err := s.AddTag(ctx, id, t); err != nil {
				return err
			}
		}
	}
	for _, t := range current {
		if !keep[t] {
			if err := s.RemoveTag(ctx, id, t); err != nil {
				return err
			}
		}
	}
	return nil
}

func validTag(tag string) error {
	if strings.TrimSpace(tag) == "" {
		return sitekit.Invalid("Tag", tag, "must not be empty")
	}
	return nil
}

// del deletes /<path>/<id> (204).
func (c *Client) del(ctx context.Context, path, id string) error {
	if strings.TrimSpace(id) == "" {
		return sitekit.Invalid("ID", id, "must not be empty")
	}
	_, err := c.rest.Do(ctx, rest.Request{Method: http.MethodDelete, Path: rest.Path(restPrefix, rest.Raw(path), id)})
	return err
}

// action runs POST path (an XO REST action) asynchronously, waits for its task and decodes
// the task's result into result (nil: ignored). The task is located from the Location header
// first, then from the body ({"taskId"} since XO 5.113, a text path before).
func (c *Client) action(ctx context.Context, path string, body, result any) (*Task, error) {
	req := rest.Request{Method: http.MethodPost, Path: path}
	if body != nil {
		req.Body = body
	}
	resp, err := c.rest.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusNoContent:
		return nil, nil
	case http.StatusCreated, http.StatusOK:
		// The server ran it synchronously.
		if result != nil && len(bytes.TrimSpace(resp.Body)) > 0 {
			if err := json.Unmarshal(resp.Body, result); err != nil {
				return nil, fmt.Errorf("xo: decode POST %s: %w", path, err)
			}
		}
		return nil, nil
	}
	id, err := taskIDFrom(resp.Header.Get("Location"), resp.Body)
	if err != nil {
		return nil, fmt.Errorf("xo: POST %s: %w", path, err)
	}
	t, err := c.Tasks.Wait(ctx, id)
	if err != nil {
		return t, err
	}
	if result != nil && len(t.Result) > 0 {
		if err := json.Unmarshal(t.Result, result); err != nil {
			return t, fmt.Errorf("xo: decode task %s result: %w", id, err)
		}
	}
	return t, nil
}

// taskIDFrom finds the task id of an async action's 202 answer.
func taskIDFrom(location string, body []byte) (string, error) {
	if id := taskIDFromPath(location); id != "" {
		return id, nil
	}
	var v struct {
		TaskID string `json:"taskId"`
	}
	if json.Unmarshal(body, &v) == nil && v.TaskID != "" {
		return v.TaskID, nil
	}
	if id := taskIDFromPath(strings.TrimSpace(string(body))); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("no task in the answer (Location %q)", location)
}

func taskIDFromPath(p string) string {
	if p == "" {
		return ""
	}
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	}
	i := strings.LastIndex(p, "/tasks/")
	if i < 0 {
		return ""
	}
	id := p[i+len("/tasks/"):]
	if id == "" || strings.Contains(id, "/") {
		return ""
	}
	return id
}

// createdID is the result of a creating action or POST.
type createdID struct {
	ID string `json:"id"`
}

package xo

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"

	"github.com/sitekit/sitekit/internal/rest"
)

// Task statuses.
const (
	TaskPending     = "pending"
	TaskSuccess     = "success"
	TaskFailure     = "failure"
	TaskInterrupted = "interrupted"
)

// TaskProperties describe what a task does.
type TaskProperties struct {
	Name       string          `json:"name,omitempty"`
	Type       string          `json:"type,omitempty"`
	ObjectType string          `json:"objectType,omitempty"`
	ObjectID   string          `json:"objectId,omitempty"`
	Method     string          `json:"method,omitempty"`
	UserID     string          `json:"userId,omitempty"`
	Params     json.RawMessage `json:"params,omitempty"`
	Args       json.RawMessage `json:"args,omitempty"`
}

// TaskLog is an info or warning entry of a task.
type TaskLog struct {
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Task is an XO task (an async REST action, an API call, a backup run). Start, End and
// UpdatedAt are Unix milliseconds; Result is the success payload ({"id": …} for creators)
// or, on failure, the serialized error ({"message","name","code","params"}).
type Task struct {
	ID                  string          `json:"id"`
	Properties          TaskProperties  `json:"properties"`
	Start               Number          `json:"start"`
	End                 Number          `json:"end,omitempty"`
	UpdatedAt           Number          `json:"updatedAt,omitempty"`
	Status              string          `json:"status"`
	Progress            Number          `json:"progress,omitempty"`
	Result              json.RawMessage `json:"result,omitempty"`
	Infos               []TaskLog       `json:"infos,omitempty"`
	Warnings            []TaskLog       `json:"warnings,omitempty"`
	Tasks               []Task          `json:"tasks,omitempty"`
	AbortionRequestedAt Number          `json:"abortionRequestedAt,omitempty"`
	Href                string          `json:"href,omitempty"`
}

func (t Task) objectID() string   { return t.ID }
func (t Task) objectName() string { return t.Properties.Name }
func (t Task) objectPool() string { return "" }

// Done reports whether the task has ended.
func (t *Task) Done() bool { return t.Status != "" && t.Status != TaskPending }

// Err returns nil for a successful task and a *TaskError for a failed or interrupted one.
func (t *Task) Err() error {
	if t.Status == TaskSuccess || t.Status == TaskPending {
		return nil
	}
	e := &TaskError{Task: t}
	var r struct {
		Message string `json:"message"`
		Name    string `json:"name"`
		Code    any    `json:"code"`
		Params  []any  `json:"params"`
	}
	if json.Unmarshal(t.Result, &r) == nil {
		e.Name, e.Message, e.Params = r.Name, r.Message, r.Params
		switch c := r.Code.(type) {
		case string:
			e.Code = c
		case float64:
			e.Code = xapiCodeIn(r.Message)
		}
		if e.Code == "" {
			e.Code = xapiCodeIn(r.Message)
		}
	}
	return e
}

// TasksService reads, waits for and aborts tasks (/rest/v0/tasks).
type TasksService struct {
	c    *Client
	coll collection[Task]
}

// List returns the tasks matching opts (all of them when opts is nil).
func (s *TasksService) List(ctx context.Context, opts *ListOptions) ([]Task, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the tasks matching opts (XO does not page: one List call), yielding
// an error last.
func (s *TasksService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Task, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Task id; an unknown id matches sitekit.ErrNotFound.
func (s *TasksService) Get(ctx context.Context, id string) (Task, error) {
	return s.coll.get(ctx, id)
}

// Wait blocks until task id ends or ctx is done, and returns the final task. It asks XO to
// block (GET /tasks/<id>?wait=true) and falls back to polling when the answer is still
// pending (older XO ended waits at the next state change). A failed or interrupted task
// returns the task and a *TaskError.
func (s *TasksService) Wait(ctx context.Context, id string) (*Task, error) {
	if id == "" {
		return nil, invalid("TaskID", id, "must not be empty")
	}
	for {
		var t Task
		_, err := s.c.rest.Do(ctx, rest.Request{Path: rest.Path(restPrefix, "tasks", id), Query: url.Values{"wait": {"true"}}, Result: &t})
		if err != nil {
			return nil, err
		}
		if t.Done() {
			return &t, t.Err()
		}
		if err := s.c.wait(ctx); err != nil {
			return &t, err
		}
	}
}

// Abort asks XO to abort task id.
func (s *TasksService) Abort(ctx context.Context, id string) error {
	_, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Path: rest.Path(restPrefix, "tasks", id, "actions", "abort")})
	return err
}

// Delete removes task id's log.
func (s *TasksService) Delete(ctx context.Context, id string) error {
	return s.c.del(ctx, "tasks", id)
}

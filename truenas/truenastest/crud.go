package truenastest

import "fmt"

// Shared plumbing of the integer-id tables (shares, tasks, credentials, users): argument
// decoding, the InstanceNotFound lookup and the query/create/update/delete method set.

// args decodes the call's positional parameters into vs, in order; the first one that does
// not decode is the error (as c.arg reports it).
func (c *call) args(vs ...any) error {
	for i, v := range vs {
		if err := c.arg(i, v); err != nil {
			return err
		}
	}
	return nil
}

// get returns row id, or the InstanceNotFound "<what> <id> does not exist".
func (t *table) get(id int64, what string) (map[string]any, error) {
	row := t.rows[id]
	if row == nil {
		return nil, instanceNotFound(fmt.Sprintf("%s %d does not exist", what, id))
	}
	return row, nil
}

// withRow is a method taking a row id as its first parameter: it decodes the id, takes the
// server lock and looks the row up in table tbl (InstanceNotFound naming it what) before
// calling fn.
func withRow(tbl, what string, fn func(c *call, id int64, row map[string]any) (any, error)) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		var id int64
		if err := c.arg(0, &id); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		row, err := c.s.st.tables[tbl].get(id, what)
		if err != nil {
			return nil, err
		}
		return fn(c, id, row)
	}
}

// deleteRow deletes by integer id; a missing id is InstanceNotFound.
func deleteRow(tbl, what string) func(c *call) (any, error) {
	return withRow(tbl, what, func(c *call, id int64, _ map[string]any) (any, error) {
		delete(c.s.st.tables[tbl].rows, id)
		return true, nil
	})
}

// rowWriter stores one row of a table under the server lock: id 0 creates it from data,
// another id updates that row with data.
type rowWriter func(c *call, id int64, data map[string]any) (any, error)

// rowRenderer renders a stored row as the API returns it.
type rowRenderer func(c *call, row map[string]any) map[string]any

// writeMethods wraps write as the create (data) and update (id, data) methods.
func writeMethods(write rowWriter) (create, update func(c *call) (any, error)) {
	create = func(c *call) (any, error) {
		var data map[string]any
		if err := c.arg(0, &data); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		return write(c, 0, data)
	}
	update = func(c *call) (any, error) {
		var id int64
		var data map[string]any
		if err := c.args(&id, &data); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		return write(c, id, data)
	}
	return create, update
}

// crudTable is the method set of one integer-id table: <name>.query, .create, .update and
// .delete.
type crudTable struct {
	name   string // table and method prefix, e.g. "pool.snapshottask"
	what   string // the row's noun in InstanceNotFound messages, e.g. "Periodic snapshot task"
	render rowRenderer
	write  rowWriter
	// del replaces the plain deleteRow (nil: a missing id is InstanceNotFound, else the row goes).
	del func(c *call) (any, error)
}

func (t crudTable) register() {
	create, update := writeMethods(t.write)
	del := t.del
	if del == nil {
		del = deleteRow(t.name, t.what)
	}
	register(t.name+".query", method{fn: queryRows(t.name, t.render)})
	register(t.name+".create", method{fn: create})
	register(t.name+".update", method{fn: update})
	register(t.name+".delete", method{fn: del})
}

// withRow is withRow on this table.
func (t crudTable) withRow(fn func(c *call, id int64, row map[string]any) (any, error)) func(c *call) (any, error) {
	return withRow(t.name, t.what, fn)
}

func queryRows(tbl string, render rowRenderer) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		out := []map[string]any{}
		for _, r := range c.s.st.tables[tbl].list() {
			out = append(out, render(c, r))
		}
		return runQuery(out, c.params)
	}
}

func plain(_ *call, row map[string]any) map[string]any { return toRow(row) }

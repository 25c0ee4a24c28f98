package engine

import (
	"encoding/json"
	"fmt"
)

// Reference is the untyped view of a [Ref], listed by [Referencer].
type Reference interface {
	// Target is the resource producing the output.
	Target() Key
	// OutputName is the name of the output.
	OutputName() string
	// String returns "appliance/kind/name.output".
	String() string
	convert(v any) (any, error)
}

// Ref is a typed reference to output name of resource key, resolved at apply
// time: a network id into a VM, a VM address into a VIP. Create refs with
// [Output].
type Ref[T any] struct {
	key  Key
	name string
}

// Output returns a reference to output name of resource k.
func Output[T any](k Key, name string) Ref[T] { return Ref[T]{key: k, name: name} }

// Target is the resource producing the output.
func (r Ref[T]) Target() Key { return r.key }

// OutputName is the name of the output.
func (r Ref[T]) OutputName() string { return r.name }

// String returns "appliance/kind/name.output".
func (r Ref[T]) String() string { return r.key.String() + "." + r.name }

// Lookup returns the referenced value, or false when it is not known yet
// (at plan time, the target is still to be created).
func (r Ref[T]) Lookup(in Inputs) (T, bool) {
	var zero T
	v, ok := in.Output(r.key, r.name)
	if !ok {
		return zero, false
	}
	c, err := r.convert(v)
	if err != nil {
		return zero, false
	}
	return c.(T), true
}

// Get returns the referenced value, or the zero T when unknown. At apply time
// the engine checks every declared reference before calling Create or Update,
// so Get never returns a zero value for a missing output there.
func (r Ref[T]) Get(in Inputs) T {
	v, _ := r.Lookup(in)
	return v
}

// convert returns v as a T, converting through JSON when the dynamic type
// differs (outputs that travelled as JSON).
func (r Ref[T]) convert(v any) (any, error) {
	if t, ok := v.(T); ok {
		return t, nil
	}
	b, err := json.Marshal(v)
	if err == nil {
		var t T
		if err = json.Unmarshal(b, &t); err == nil {
			return t, nil
		}
	}
	var zero T
	return nil, fmt.Errorf("reference %s: output is %T, want %T", r, v, zero)
}

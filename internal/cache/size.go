package cache

import (
	"reflect"
	"sync"
	"unsafe"
)

// SizeOf estimates the bytes of memory v holds: its own size plus every
// backing array, string, map and pointed-to value reachable from it, each
// counted once however many times it is shared (the areas lists of a study
// grid are shared by thousands of cells). It is what the engine's result
// cache charges an entry against its byte budget; maps are charged their
// entries plus half again for buckets.
func SizeOf(v any) int64 {
	if v == nil {
		return 0
	}
	w := sizer{seen: map[uintptr]bool{}}
	rv := reflect.ValueOf(v)
	return int64(rv.Type().Size()) + w.inner(rv)
}

type sizer struct {
	seen map[uintptr]bool
}

// inner is what v refers to beyond its own Type().Size().
func (w *sizer) inner(v reflect.Value) int64 {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || w.seen[v.Pointer()] {
			return 0
		}
		w.seen[v.Pointer()] = true
		e := v.Elem()
		return int64(e.Type().Size()) + w.inner(e)
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		return int64(e.Type().Size()) + w.inner(e)
	case reflect.String:
		if v.Len() == 0 {
			return 0
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(v.String())))
		if w.seen[p] {
			return 0
		}
		w.seen[p] = true
		return int64(v.Len())
	case reflect.Slice:
		if v.IsNil() || v.Cap() == 0 {
			return 0
		}
		p := v.Pointer()
		if w.seen[p] {
			return 0
		}
		w.seen[p] = true
		et := v.Type().Elem()
		n := int64(v.Cap()) * int64(et.Size())
		if holdsRefs(et) {
			for i := range v.Len() {
				n += w.inner(v.Index(i))
			}
		}
		return n
	case reflect.Array:
		var n int64
		if holdsRefs(v.Type().Elem()) {
			for i := range v.Len() {
				n += w.inner(v.Index(i))
			}
		}
		return n
	case reflect.Struct:
		var n int64
		for i := range v.NumField() {
			if holdsRefs(v.Field(i).Type()) {
				n += w.inner(v.Field(i))
			}
		}
		return n
	case reflect.Map:
		if v.IsNil() || w.seen[v.Pointer()] {
			return 0
		}
		w.seen[v.Pointer()] = true
		kt, vt := v.Type().Key(), v.Type().Elem()
		n := int64(v.Len()) * int64(kt.Size()+vt.Size()) * 3 / 2
		if holdsRefs(kt) || holdsRefs(vt) {
			it := v.MapRange()
			for it.Next() {
				n += w.inner(it.Key()) + w.inner(it.Value())
			}
		}
		return n
	}
	return 0
}

var refs sync.Map // reflect.Type -> bool, holdsRefs's answers

// holdsRefs reports whether values of t can refer to memory outside
// themselves (so that SizeOf must look inside them).
func holdsRefs(t reflect.Type) bool {
	if b, ok := refs.Load(t); ok {
		return b.(bool)
	}
	b := typeHoldsRefs(t)
	refs.Store(t, b)
	return b
}

func typeHoldsRefs(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.String, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && holdsRefs(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsRefs(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	durationType    = reflect.TypeOf(time.Duration(0))
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// Validator is implemented by provider settings types (in `providers:`) that check their own
// fields after decoding, such as "external_id needs role_arn". Section.Decode reports a non-nil
// error as an *Error at the section's (or the nested struct's) line and field path; the message
// should name the fields, and must not quote values that could be credentials.
type Validator interface {
	Validate() error
}

func reflectValueOf(ptr any) reflect.Value { return reflect.ValueOf(ptr).Elem() }

// decodeStrict decodes n into v like yaml's Decode, but reports unknown and duplicate fields
// (with suggestions) and type mismatches as *Error values with lines and field paths, and
// keeps going after a problem. It serves Section.Decode: the provider sections' types live
// in the stores' packages and only need yaml tags.
func (p *parser) decodeStrict(n *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			p.add(n.Line, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return
	}
	if isNull(n) {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	t := v.Type()
	switch {
	case t == durationType:
		d, err := time.ParseDuration(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			p.add(n.Line, path, "must be a duration such as \"10s\", got %s", p.describe(n))
			return
		}
		v.SetInt(int64(d))
	case t.Kind() == reflect.Pointer:
		nv := reflect.New(t.Elem())
		p.decodeStrict(n, nv.Elem(), path)
		v.Set(nv)
	case t.Kind() == reflect.Struct:
		fields := structFields(t)
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		p.fields(n, path, names, false, func(key string, k, val *yaml.Node) {
			p.decodeStrict(val, v.FieldByIndex(fields[key]), path+"."+key)
		})
		if val, ok := v.Addr().Interface().(Validator); ok && n.Kind == yaml.MappingNode {
			if err := val.Validate(); err != nil {
				p.add(n.Line, path, "%s", err.Error())
			}
		}
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			p.add(n.Line, path, "must be a mapping, got %s", p.describe(n))
			return
		}
		if t.Key().Kind() != reflect.String {
			if err := n.Decode(v.Addr().Interface()); err != nil {
				p.add(n.Line, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
			}
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		for _, kv := range p.pairs(n, path) {
			ev := reflect.New(t.Elem()).Elem()
			p.decodeStrict(kv.v, ev, path+"."+kv.key)
			v.SetMapIndex(reflect.ValueOf(kv.key).Convert(t.Key()), ev)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, e := range n.Content {
			p.decodeStrict(e, s.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
		v.Set(s)
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		p.add(n.Line, path, "must be a list, got %s", p.describe(n))
	case t.Kind() == reflect.Interface:
		if err := n.Decode(v.Addr().Interface()); err != nil {
			p.add(n.Line, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
	default:
		// Booleans are true and false only, as elsewhere in the file (not yes/no/on/off).
		badBool := t.Kind() == reflect.Bool && n.ShortTag() != "!!bool"
		if n.Kind != yaml.ScalarNode || badBool || n.Decode(v.Addr().Interface()) != nil {
			p.add(n.Line, path, "must be %s, got %s", kindName(t), p.describe(n))
		}
	}
}

// structFields maps the yaml names of t's fields to their indexes, following ",inline".
func structFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		inline := strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct
		if tag == "-" || (!f.IsExported() && !(f.Anonymous && inline)) {
			continue
		}
		if inline {
			for n, idx := range structFields(f.Type) {
				out[n] = append([]int{i}, idx...)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = []int{i}
	}
	return out
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// sniffJSON treats a body that starts with '{' as JSON whatever its
// Content-Type says: curl -d sends JSON as a form unless told otherwise.
func sniffJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
			br := bufio.NewReader(r.Body)
			if head, _ := br.Peek(64); strings.HasPrefix(strings.TrimSpace(string(head)), "{") {
				r.Header.Set("Content-Type", "application/json")
			}
			r.Body = struct {
				io.Reader
				io.Closer
			}{br, r.Body}
		}
		next.ServeHTTP(w, r)
	})
}

// isForm says whether the request carries a plain HTML form.
func isForm(r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data"
}

// decode reads a JSON or form-encoded request body into dst. An empty body
// leaves dst as it is. Form fields are named like the JSON fields; nested
// objects use dots ("properties.content_type", "arguments.x-message-ttl"),
// and a map may also come as one text field of "key: value" lines.
func decode(r *http.Request, maxBytes int64, dst any) error {
	body := http.MaxBytesReader(nil, r.Body, maxBytes)
	if isForm(r) {
		r.Body = body
		if err := r.ParseForm(); err != nil {
			return bodyError(err, maxBytes)
		}
		return decodeForm(r.PostForm, dst)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return bodyError(err, maxBytes)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return badRequest("err.json_many")
	}
	return nil
}

func bodyError(err error, maxBytes int64) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return tooLarge("err.request_large", "max", maxBytes)
	}
	return badRequest("err.request_read", "reason", err)
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badRequest("err.json_at", "offset", syn.Offset, "reason", err)
	case errors.As(err, &typ):
		return badRequest("err.json_type", "field", fmt.Sprintf("%q", typ.Field), "want", kindName(typ.Type), "got", typ.Value)
	// encoding/json reports an unknown field with no error type of its own.
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("err.json_unknown", "field", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("err.json_short")
	}
	return badRequest("err.json", "reason", err)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint64:
		return "a whole number"
	case reflect.String:
		return "text"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// decodeForm fills dst's fields from form values named by their JSON tags.
// It is kept rather than replaced by gorilla/schema because the page's
// forms need what that library does not do: maps of mixed values from
// "arguments.x-message-ttl" fields and from a textarea of "name: value"
// lines (numbers becoming numbers, as JSON would give them), checkbox "on"
// as true, and an empty number field meaning "not given".
func decodeForm(form url.Values, dst any) error {
	return decodeFormStruct(form, "", reflect.ValueOf(dst).Elem())
}

func decodeFormStruct(form url.Values, prefix string, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			if err := decodeFormStruct(form, prefix, fv); err != nil {
				return err
			}
			continue
		}
		key := prefix + name
		switch fv.Kind() {
		case reflect.Struct:
			if err := decodeFormStruct(form, key+".", fv); err != nil {
				return err
			}
		case reflect.Map:
			m, err := formMap(form, key)
			if err != nil {
				return err
			}
			if len(m) > 0 {
				fv.Set(reflect.ValueOf(m))
			}
		default:
			raw := strings.TrimSpace(form.Get(key))
			text := fv.Kind() == reflect.String || (fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.String)
			if _, present := form[key]; !present || (raw == "" && !text) { // an empty text field is the empty text
				continue
			}
			if err := setFormValue(fv, key, form.Get(key)); err != nil {
				return err
			}
		}
	}
	return nil
}

func setFormValue(fv reflect.Value, key, raw string) error {
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		if err := setFormValue(p.Elem(), key, raw); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	trimmed := strings.TrimSpace(raw)
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Bool:
		switch strings.ToLower(trimmed) {
		case "on", "true", "1", "yes":
			fv.SetBool(true)
		case "off", "false", "0", "no":
			fv.SetBool(false)
		default:
			return badRequest("err.form_bool", "field", fmt.Sprintf("%q", key), "value", fmt.Sprintf("%q", trimmed))
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(trimmed, 10, 64)
		if err != nil || fv.OverflowInt(n) {
			return badRequest("err.form_int", "field", fmt.Sprintf("%q", key), "value", fmt.Sprintf("%q", trimmed))
		}
		fv.SetInt(n)
	case reflect.Float64, reflect.Float32:
		n, err := strconv.ParseFloat(trimmed, 64)
		if err != nil {
			return badRequest("err.form_float", "field", fmt.Sprintf("%q", key), "value", fmt.Sprintf("%q", trimmed))
		}
		fv.SetFloat(n)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(trimmed, 10, 64)
		if err != nil || fv.OverflowUint(n) {
			return badRequest("err.form_uint", "field", fmt.Sprintf("%q", key), "max", uint64(1)<<(fv.Type().Bits())-1, "value", fmt.Sprintf("%q", trimmed))
		}
		fv.SetUint(n)
	default:
		return badRequest("err.form_field", "field", fmt.Sprintf("%q", key))
	}
	return nil
}

// formMap collects "key.name" fields and a "key" text of "name: value"
// lines. Values that look like whole numbers or booleans become those.
func formMap(form url.Values, key string) (map[string]any, error) {
	m := map[string]any{}
	for _, line := range strings.Split(form.Get(key), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, badRequest("err.form_line", "field", fmt.Sprintf("%q", key), "line", fmt.Sprintf("%q", line))
		}
		m[strings.TrimSpace(name)] = formScalar(strings.TrimSpace(value))
	}
	for k, vs := range form {
		name, ok := strings.CutPrefix(k, key+".")
		if !ok || name == "" || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		m[name] = formScalar(strings.TrimSpace(vs[0]))
	}
	return m, nil
}

func formScalar(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return float64(n) // as JSON would decode it
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	return s
}

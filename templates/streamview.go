package templates

import (
	"strconv"
	"strings"
)

// retention says in words how long a stream keeps its messages, from its
// arguments (x-max-length-bytes, x-max-age).
func retention(l Lang, args map[string]any) string {
	var kept []string
	if n, ok := number(args["x-max-length-bytes"]); ok {
		kept = append(kept, l.T("stream.keep_bytes", "size", byteSize(n)))
	}
	if age, ok := args["x-max-age"].(string); ok && age != "" {
		kept = append(kept, l.T("stream.keep_age", "age", age))
	}
	if len(kept) == 0 {
		return l.T("stream.retention_none")
	}
	return l.T("stream.retention", "what", strings.Join(kept, ", "))
}

// number reads a numeric argument as JSON or Go code gives it.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// byteSize writes a size in decimal units, as RabbitMQ's retention
// settings are usually given ("5 GB").
func byteSize(n float64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	return strconv.FormatFloat(n, 'f', -1, 64) + " " + units[i]
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

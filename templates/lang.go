package templates

import (
	"context"
	"encoding/json"

	"rabbitboard/words"
)

// Lang is the language a page speaks.
type Lang = words.Lang

// The page's languages.
const (
	English = words.English
	Korean  = words.Korean
)

type langKey struct{}

// WithLang makes a page rendered with ctx speak l.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

func langOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok {
		return l
	}
	return English
}

// Tx is the catalogue's text of key in the language of the page being
// rendered, its values given as name, value pairs.
func Tx(ctx context.Context, key string, values ...any) string {
	return langOf(ctx).T(key, values...)
}

// T is the catalogue's text of key in English.
func T(key string, values ...any) string { return English.T(key, values...) }

// textJSON is the catalogue in the page's language as its script reads it.
func textJSON(ctx context.Context) string {
	data, _ := json.Marshal(words.Catalogue(langOf(ctx)))
	return string(data)
}

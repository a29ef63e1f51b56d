// Package static holds the page's CSS and JavaScript, embedded in the
// binary so the dashboard works offline.
package static

import (
	"embed"
	"io/fs"
	"net/http"
	"slices"
)

//go:embed *.css *.js *.svg
var files embed.FS

// Handler serves the embedded files.
func Handler() http.Handler {
	fs := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fs.ServeHTTP(w, r)
	})
}

// Entry is the page's script; it imports the other modules.
const Entry = "app.js"

// Modules are the modules the entry imports, by file name, for the page
// to preload them all at once.
func Modules() []string {
	names, _ := fs.Glob(files, "*.js")
	return slices.DeleteFunc(names, func(n string) bool { return n == Entry })
}

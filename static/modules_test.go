package static

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	importLine = regexp.MustCompile(`(?m)^import (?:\{([^}]*)\} from )?"\./([\w.]+)";$`)
	exportLine = regexp.MustCompile(`(?m)^export (?:const|let|function|async function) ([\w$]+)`)
)

// The page's modules import only names another module exports, from
// modules that exist, and never in a circle; the page preloads every
// module the entry reaches.
func TestModules(t *testing.T) {
	names, err := fs.Glob(files, "*.js")
	if err != nil || !slices.Contains(names, Entry) {
		t.Fatalf("modules %v (%v), want %s among them", names, err, Entry)
	}
	exports := map[string][]string{}
	imports := map[string][]string{} // module -> the modules it imports
	var named [][3]string            // importer, name, module imported from
	for _, n := range names {
		data, err := fs.ReadFile(files, n)
		if err != nil {
			t.Fatal(err)
		}
		src := string(data)
		if strings.Contains(src, `"use strict"`) {
			t.Errorf("%s says \"use strict\": a module is strict already", n)
		}
		for _, m := range exportLine.FindAllStringSubmatch(src, -1) {
			exports[n] = append(exports[n], m[1])
		}
		for _, m := range importLine.FindAllStringSubmatch(src, -1) {
			imports[n] = append(imports[n], m[2])
			for name := range strings.SplitSeq(m[1], ",") {
				if name = strings.TrimSpace(name); name != "" {
					named = append(named, [3]string{n, name, m[2]})
				}
			}
		}
	}
	for _, x := range named {
		if !slices.Contains(exports[x[2]], x[1]) {
			t.Errorf("%s imports %s, which %s does not export", x[0], x[1], x[2])
		}
	}
	// Every module is reached from the entry, and no path leads back to
	// a module on it.
	reached := map[string]bool{}
	var visit func(n string, path []string)
	visit = func(n string, path []string) {
		if i := slices.Index(path, n); i >= 0 {
			t.Errorf("modules import in a circle: %s", strings.Join(append(path[i:], n), " -> "))
			return
		}
		if !slices.Contains(names, n) {
			t.Errorf("%s imports %s, which is not served", path[len(path)-1], n)
			return
		}
		reached[n] = true
		for _, m := range imports[n] {
			visit(m, append(path, n))
		}
	}
	visit(Entry, nil)
	for _, n := range Modules() {
		if !reached[n] {
			t.Errorf("%s is preloaded but %s never imports it", n, Entry)
		}
	}
	if len(reached) != len(names) {
		t.Errorf("the entry reaches %d of %d modules", len(reached), len(names))
	}
}

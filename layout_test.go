package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// allowedImports is which of rabbitboard's packages each may import: the
// catalogue and the internal helpers import none, the vocabulary (board)
// only the catalogue, the AMQP adapter the vocabulary, the catalogue and
// helpers, the hub knows neither AMQP nor the vocabulary (bytes only), the
// pages know the vocabulary but no adapter; only main wires them all.
var allowedImports = map[string][]string{
	"rabbitboard":                     {"board", "hub", "internal/record", "internal/replicas", "mq", "web"},
	"rabbitboard/board":               {"words"},
	"rabbitboard/cmd/bench":           {"board", "internal/testkit"},
	"rabbitboard/cmd/streamtutorial":  {},
	"rabbitboard/hub":                 {"internal/jsonarray"},
	"rabbitboard/internal/frameguard": {},
	"rabbitboard/internal/jsonarray":  {},
	"rabbitboard/internal/management": {"board", "words"},
	"rabbitboard/internal/observe":    {"board", "internal/management", "internal/refusal", "words"},
	"rabbitboard/internal/record":     {"board", "internal/refusal", "internal/throttle"},
	"rabbitboard/internal/refusal":    {"board", "words"},
	"rabbitboard/internal/replicas":   {"board", "internal/jsonarray", "internal/seal"},
	"rabbitboard/internal/seal":       {},
	"rabbitboard/internal/testkit":    {},
	"rabbitboard/internal/throttle":   {},
	"rabbitboard/mq":                  {"board", "internal/frameguard", "internal/jsonarray", "internal/management", "internal/observe", "internal/record", "internal/refusal", "internal/replicas", "internal/throttle", "words"},
	"rabbitboard/static":              {},
	"rabbitboard/templates":           {"board", "static", "words"},
	"rabbitboard/web":                 {"board", "hub", "mq", "static", "templates", "words"},
	"rabbitboard/words":               {},
}

// Every package imports only the packages of rabbitboard it is allowed
// to, as go list reports them; a new package must say what it may import.
func TestPackagesImportOnlyWhatTheyNeed(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		allowed, ok := allowedImports[pkg]
		if !ok {
			t.Errorf("%s is a new package: say in allowedImports what it may import", pkg)
			continue
		}
		seen++
		for _, imp := range strings.Fields(imports) {
			own, isOwn := strings.CutPrefix(imp, "rabbitboard/")
			if isOwn && !slices.Contains(allowed, own) {
				t.Errorf("%s imports %s, which it may not", pkg, imp)
			}
		}
	}
	if seen != len(allowedImports) {
		t.Errorf("go list showed %d of the %d packages", seen, len(allowedImports))
	}
}

// No file outside tests and generated code is over 500 lines and no
// function over 80: each stays readable in one sitting.
func TestCodeStaysSmall(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") {
			return nil
		}
		files++
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		if n := fset.Position(f.End()).Line; n > 500 {
			t.Errorf("%s has %d lines, more than 500", path, n)
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok {
				if n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1; n > 80 {
					t.Errorf("%s: %s has %d lines, more than 80", path, fn.Name.Name, n)
				}
			}
		}
		return nil
	})
	if err != nil || files < 40 {
		t.Fatalf("read %d files: %v", files, err)
	}
}

// The README's layout section names every package's directory.
func TestReadmeLayoutNamesEveryPackage(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(readme), "\n## Layout\n")
	if !ok {
		t.Fatal("the README has no Layout section")
	}
	layout, _, _ = strings.Cut(layout, "\n## ")
	for pkg := range allowedImports {
		dir, isSub := strings.CutPrefix(pkg, "rabbitboard/")
		if isSub && !strings.Contains(layout, "`"+dir+"/`") {
			t.Errorf("the README's layout does not name `%s/`", dir)
		}
	}
}

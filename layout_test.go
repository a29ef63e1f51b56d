package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// allowedImports is which of rabbitboard's packages each may import: the
// catalogue and the internal helpers import none, the AMQP adapter only
// the catalogue and helpers, the hub knows no AMQP, the pages know the
// vocabulary but not the handlers; only main wires them all.
var allowedImports = map[string][]string{
	"rabbitboard":                    {"hub", "mq", "web"},
	"rabbitboard/cmd/bench":          {"internal/testkit", "mq"},
	"rabbitboard/cmd/streamtutorial": {},
	"rabbitboard/hub":                {"internal/jsonarray"},
	"rabbitboard/internal/jsonarray": {},
	"rabbitboard/internal/seal":      {},
	"rabbitboard/internal/testkit":   {},
	"rabbitboard/internal/throttle":  {},
	"rabbitboard/mq":                 {"internal/jsonarray", "internal/seal", "internal/throttle", "words"},
	"rabbitboard/static":             {},
	"rabbitboard/templates":          {"mq", "words"},
	"rabbitboard/web":                {"hub", "mq", "static", "templates", "words"},
	"rabbitboard/words":              {},
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

package static

import (
	"os/exec"
	"strings"
	"testing"
)

// The diagram's layout (layout.js) is a pure function with its own tests
// (layout.test.mjs), run here by Node's test runner: milliseconds, no page
// and no broker. Node comes with npm, which the test command installs;
// only a -short run on a machine without it skips them.
func TestDiagramLayout(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if testing.Short() {
			t.Skip("needs Node.js: skipped with -short")
		}
		t.Fatal("Node.js is missing (the test command installs it with npm): ", err)
	}
	out, err := exec.Command(node, "--experimental-default-type=module", "--test", "--test-reporter=tap", "layout.test.mjs").CombinedOutput()
	if err != nil {
		t.Fatalf("layout.test.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "\n# fail 0") || strings.Contains(string(out), "\n# pass 0") {
		t.Fatalf("layout.test.mjs ran no test or failed one:\n%s", out)
	}
}

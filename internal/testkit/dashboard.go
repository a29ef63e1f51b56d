package testkit

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Build compiles the rabbitboard binary from the repository root into dir.
func Build(root, dir string) (string, error) {
	bin := filepath.Join(dir, "rabbitboard")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// Dashboard is a rabbitboard process started from its binary.
type Dashboard struct {
	Cmd *exec.Cmd
	URL string     // where it serves, read off its log
	Log SyncBuffer // everything it printed
}

var serving = regexp.MustCompile(`rabbitboard is serving" url=(\S+)`)

// Start runs the binary with args (add --addr 127.0.0.1:0 for a free port)
// and returns once its health check says it reached the broker.
func Start(bin string, args ...string) (*Dashboard, error) {
	d := &Dashboard{Cmd: exec.Command(bin, args...)}
	out, err := d.Cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	d.Cmd.Stderr = d.Cmd.Stdout
	if err := d.Cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() { // reads the log to its end, which keeps the pipe drained
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			_, _ = d.Log.Write([]byte(lines.Text() + "\n"))
			if m := serving.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case d.URL = <-found:
	case <-time.After(10 * time.Second):
		d.Stop()
		return nil, fmt.Errorf("the dashboard never said where it serves:\n%s", d.Log.String())
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(d.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d, nil
			}
		}
		if time.Now().After(deadline) {
			d.Stop()
			return nil, errors.New("the dashboard never reached the broker")
		}
	}
}

// Stop interrupts the process, as Ctrl-C would, and waits for it.
func (d *Dashboard) Stop() {
	_ = d.Cmd.Process.Signal(os.Interrupt)
	_ = d.Cmd.Wait()
}

// RSS is the process's resident memory in bytes, from /proc.
func (d *Dashboard) RSS() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

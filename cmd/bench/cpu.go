package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuUse is the CPU time the parts of a round used: the broker (every
// beam.smp process), the dashboard's process, and this one (the bare
// client's, or the viewers', side).
type cpuUse struct{ broker, dashboard, bench time.Duration }

func (a cpuUse) sub(b cpuUse) cpuUse {
	return cpuUse{a.broker - b.broker, a.dashboard - b.dashboard, a.bench - b.bench}
}

func (a cpuUse) add(b cpuUse) cpuUse {
	return cpuUse{a.broker + b.broker, a.dashboard + b.dashboard, a.bench + b.bench}
}

// cpuNow reads the CPU times so far; dashboard is 0 for none.
func cpuNow(dashboard int) cpuUse {
	var u cpuUse
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range procs {
		if comm, t, ok := procTimes(stat); ok && comm == "beam.smp" {
			u.broker += t
		}
	}
	if dashboard > 0 {
		_, u.dashboard, _ = procTimes(fmt.Sprintf("/proc/%d/stat", dashboard))
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return u
}

// procTimes reads a process's name and user plus system time from its
// /proc stat file (in clock ticks of 10 ms, Linux's USER_HZ).
func procTimes(path string) (comm string, t time.Duration, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false
	}
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return "", 0, false
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return s[open+1 : end], time.Duration(utime+stime) * 10 * time.Millisecond, true
}

// ms10k is d per 10,000 of n messages.
func ms10k(d time.Duration, n int) string {
	return fmt.Sprintf("%.0f ms", float64(d.Milliseconds())/(float64(n)/10000))
}

// per10k says CPU use per 10,000 of n messages.
func (a cpuUse) per10k(n int, dashboard bool) string {
	ms := func(d time.Duration) string { return ms10k(d, n) }
	if !dashboard {
		return fmt.Sprintf("broker %s, client %s", ms(a.broker), ms(a.bench))
	}
	return fmt.Sprintf("broker %s, dashboard %s, viewers %s", ms(a.broker), ms(a.dashboard), ms(a.bench))
}

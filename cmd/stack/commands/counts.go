package commands

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// processCounts describes the process as --debug-counts prints it:
// "goroutines 4, open files 5, heap 3.1 MB, rss 14.0 MB (peak 61.2 MB)".
// Open files and RSS are read from /proc and left out where it is absent.
func processCounts() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := fmt.Sprintf("goroutines %d", settledGoroutines())
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		// Less the one ReadDir had open to list them.
		out += fmt.Sprintf(", open files %d", len(fds)-1)
	}
	out += fmt.Sprintf(", heap %.1f MB", float64(ms.HeapAlloc)/1e6)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		rss, peak := statusKB(string(b), "VmRSS:"), statusKB(string(b), "VmHWM:")
		out += fmt.Sprintf(", rss %.1f MB (peak %.1f MB)", float64(rss)/1e3, float64(peak)/1e3)
	}
	return out
}

// statusKB reads a "Key:   123 kB" line of /proc/self/status.
func statusKB(status, key string) int {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			var kb int
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb
		}
	}
	return 0
}

// settledGoroutines counts the goroutines once the count stops falling for
// 100 ms (at most 2 s): the connections the command closed end their
// reading goroutines just after.
func settledGoroutines() int {
	n, steady := runtime.NumGoroutine(), 0
	for range 100 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			if steady++; steady == 5 {
				break
			}
		} else {
			steady = 0
		}
		n = m
	}
	return n
}

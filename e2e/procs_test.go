package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// stopScriptProcesses ends the processes a script left running in the
// background (`exec stack agent &agent&` of a script that failed before its
// kill). testscript stops them only after the script's deferred cleanup, so
// an agent could otherwise act on the project, or take its lock, after the
// cleanup removed everything. They are found by the script's project in
// their environment: projects are random, so nothing else matches.
func stopScriptProcesses(project string) {
	pids := scriptProcesses(project)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGINT)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// scriptProcesses lists the processes whose environment holds
// PROJECT=project (what setupScript gives every command of a script).
func scriptProcesses(project string) []int {
	want := []byte("PROJECT=" + project + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join(dir, "environ"))
		if err != nil {
			continue
		}
		if bytes.HasPrefix(env, want) || bytes.Contains(env, append([]byte{0}, want...)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestSecurity runs testdata/security/*.txtar: what stack must never do
// with a stack file's secrets, with --dry-run, with privileges. Besides
// the commands of TestScripts:
//
//	countingproxy start    the counting proxy of bench/ between stack and
//	                       the engine: the script's DOCKER_HOST is pointed
//	                       at it
//	countingproxy changes  no request since the last one changed anything
//	                       (only GET and HEAD); the requests go to stdout
func TestSecurity(t *testing.T) {
	t.Parallel()
	runScripts(t, scriptGroup{dir: "testdata/security", cmds: map[string]func(*testscript.TestScript, bool, []string){
		"countingproxy": cmdCountingProxy,
	}})
}

// proxyBuilt is the counting proxy built for this test process.
var proxyBuilt struct {
	once     sync.Once
	dir, bin string
	err      error
}

func proxyBinary(ts *testscript.TestScript) string {
	proxyBuilt.once.Do(func() {
		proxyBuilt.dir, proxyBuilt.err = os.MkdirTemp("", "stack-e2e-proxy-")
		if proxyBuilt.err != nil {
			return
		}
		bin := filepath.Join(proxyBuilt.dir, "proxy")
		cmd := exec.Command("go", "build", "-o", bin, "./proxy")
		cmd.Dir = filepath.Join(repoRoot, "bench")
		if out, err := cmd.CombinedOutput(); err != nil {
			proxyBuilt.err = fmt.Errorf("go build bench/proxy: %v\n%s", err, out)
			return
		}
		proxyBuilt.bin = bin
	})
	ts.Check(proxyBuilt.err)
	return proxyBuilt.bin
}

func cmdCountingProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: countingproxy start|changes")
	}
	sock := ts.MkAbs("proxy.sock")
	switch args[0] {
	case "start":
		upstream := strings.TrimPrefix(ts.Getenv("DOCKER_HOST"), "unix://")
		if upstream == "" {
			upstream = "/var/run/docker.sock"
		}
		cmd := exec.Command(proxyBinary(ts), "serve", "-listen", sock, "-upstream", upstream)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		ts.Check(cmd.Start())
		ts.Defer(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(sock); err == nil {
				break
			}
			if time.Now().After(deadline) {
				ts.Fatalf("countingproxy: %s did not appear", sock)
			}
			time.Sleep(50 * time.Millisecond)
		}
		ts.Setenv("DOCKER_HOST", "unix://"+sock)
	case "changes":
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, proxyBinary(ts), "stats", "-listen", sock, "-reset").Output()
		ts.Check(err)
		var rep struct {
			Endpoints []struct {
				Endpoint string `json:"endpoint"`
				Count    int    `json:"count"`
			} `json:"endpoints"`
		}
		ts.Check(json.Unmarshal(out, &rep))
		var changing []string
		for _, e := range rep.Endpoints {
			fmt.Fprintf(ts.Stdout(), "%d %s\n", e.Count, e.Endpoint)
			if !strings.HasPrefix(e.Endpoint, "GET ") && !strings.HasPrefix(e.Endpoint, "HEAD ") {
				changing = append(changing, e.Endpoint)
			}
		}
		switch {
		case len(changing) > 0 && !neg:
			ts.Fatalf("requests that change the engine: %s", strings.Join(changing, ", "))
		case len(changing) == 0 && neg:
			ts.Fatalf("no request changed the engine")
		}
	default:
		ts.Fatalf("usage: countingproxy start|changes")
	}
}

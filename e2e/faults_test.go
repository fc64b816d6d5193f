package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestFaults runs testdata/faults/*.txtar: stack against an engine that
// restarts, a stack process killed, commands racing on one project, and
// the engine's own refusals; each script asserts what the project holds
// afterwards and that the next command converges. Besides the commands of
// TestScripts:
//
//	ownengine start|restart|stop   an engine of the script's own (ownengine_test.go)
//	lockheld [-gone]               the project's lock is held (is gone) within 60s
//	networks COUNT                 COUNT networks carry the project's label
//	freeport                       sets $PORT to a free TCP port of the host
//	waitcount -ge|-le N            the project has at least (at most) N
//	                               containers, within 60s
//	dupnetwork KEY                 creates network KEY of the project twice
//	                               under one name, as two concurrent creates
//	                               do on dockerd 20.10
func TestFaults(t *testing.T) {
	t.Parallel()
	runScripts(t, scriptGroup{
		dir: "testdata/faults",
		cmds: map[string]func(*testscript.TestScript, bool, []string){
			"ownengine":  cmdOwnEngine,
			"lockheld":   cmdLockHeld,
			"networks":   cmdNetworks,
			"freeport":   cmdFreePort,
			"waitcount":  cmdWaitCount,
			"dupnetwork": cmdDupNetwork,
		},
		setup: func(e *testscript.Env) error {
			e.Values[ownEngineKey{}] = &ownEngineSlot{}
			return nil
		},
	})
}

// lockWait bounds lockheld.
const lockWait = 60 * time.Second

func cmdLockHeld(ts *testscript.TestScript, neg bool, args []string) {
	gone := len(args) == 1 && args[0] == "-gone"
	if neg || len(args) > 1 || len(args) == 1 && !gone {
		ts.Fatalf("usage: lockheld [-gone]")
	}
	name := project(ts) + "-stack-lock"
	deadline := time.Now().Add(lockWait)
	for {
		held := strings.TrimSpace(dockerTS(ts, "ps", "-aq", "--filter", "name=^/"+name+"$")) != ""
		if held != gone {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("lock %s: held %v after %s", name, held, lockWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func cmdNetworks(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: networks COUNT")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("networks: COUNT %q is not a number", args[0])
	}
	got := sortedLines(dockerTS(ts, "network", "ls", "--filter", projectFilter(ts), "--format", "{{.ID}} {{.Name}}"))
	switch {
	case len(got) != want && !neg:
		ts.Fatalf("want %d networks of project %s, got %q", want, project(ts), got)
	case len(got) == want && neg:
		ts.Fatalf("want other than %d networks of project %s", want, project(ts))
	}
}

func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: freeport")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	ts.Check(l.Close())
	ts.Setenv("PORT", strconv.Itoa(port))
}

func cmdWaitCount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || args[0] != "-ge" && args[0] != "-le" {
		ts.Fatalf("usage: waitcount -ge|-le N")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("waitcount: N %q is not a number", args[1])
	}
	deadline := time.Now().Add(lockWait)
	for {
		got := len(sortedLines(dockerTS(ts, "ps", "-aq", "--filter", projectFilter(ts))))
		if args[0] == "-ge" && got >= n || args[0] == "-le" && got <= n {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitcount %s %d: %d containers after %s", args[0], n, got, lockWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func cmdDupNetwork(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: dupnetwork KEY")
	}
	host := ts.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	sock, ok := strings.CutPrefix(host, "unix://")
	if !ok {
		ts.Fatalf("dupnetwork: needs a unix socket, not %s", host)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	name := project(ts) + "_" + args[0]
	body, _ := json.Marshal(map[string]any{
		"Name": name, "CheckDuplicate": false,
		"Labels": map[string]string{projectLabel: project(ts), "com.docker.compose.network": args[0]},
	})
	for range 2 {
		resp, err := client.Post("http://engine/v1.41/networks/create", "application/json", bytes.NewReader(body))
		ts.Check(err)
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			ts.Fatalf("dupnetwork: create %s: %s: %s", name, resp.Status, msg)
		}
		fmt.Fprintf(ts.Stdout(), "%s", msg)
	}
}

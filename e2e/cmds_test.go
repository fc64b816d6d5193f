package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// commands returns the script commands documented in doc.go.
func commands(stackBin string, stackLimit time.Duration) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"stack":      cmdStack(stackBin, stackLimit),
		"containers": cmdContainers,
		"label":      cmdLabel,
		"state":      cmdState,
		"startorder": cmdStartOrder,
		"hostport":   cmdHostPort,
		"httpget":    cmdHTTPGet,
		"noobjects":  cmdNoObjects,
		"logfile":    cmdLogfile,
		"dockerd2":   cmdDockerd2,
		"hostdir":    cmdHostDir,
		"await":      cmdAwait,
	}
}

// engineTimeout bounds one docker CLI call made by a script command.
const engineTimeout = time.Minute

// httpWait is how long httpget keeps trying.
const httpWait = 30 * time.Second

// crashRE finds signs of a crash in stack's stderr, whatever the exit code.
var crashRE = regexp.MustCompile(`(?m)^(panic: |fatal error: |goroutine \d+ \[|WARNING: DATA RACE)`)

// stackTimeout returns how long one stack command may run:
// $STACK_E2E_CMD_TIMEOUT (a Go duration) or 2 minutes.
func stackTimeout() (time.Duration, error) {
	v := os.Getenv("STACK_E2E_CMD_TIMEOUT")
	if v == "" {
		return 2 * time.Minute, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("STACK_E2E_CMD_TIMEOUT=%q: want a positive duration such as 90s", v)
	}
	return d, nil
}

// cmdStack runs the stack binary under coreutils' timeout, so that a hang
// fails the script quickly, with SIGQUIT's goroutine dump in its stderr,
// instead of stalling the whole run until go test's deadline.
func cmdStack(bin string, limit time.Duration) func(ts *testscript.TestScript, neg bool, args []string) {
	secs := strconv.Itoa(int((limit + time.Second - 1) / time.Second))
	return func(ts *testscript.TestScript, neg bool, args []string) {
		line := strings.Join(args, " ")
		err := ts.Exec("timeout", append([]string{"--foreground", "-s", "QUIT", "-k", "10", secs, bin}, args...)...)
		var exit *exec.ExitError
		if errors.As(err, &exit) && (exit.ExitCode() == 124 || exit.ExitCode() == 137) {
			ts.Fatalf("stack %s: did not finish within %s; stopped with SIGQUIT (goroutine dump in stderr above)", line, limit)
		}
		if crashRE.MatchString(ts.ReadFile("stderr")) {
			ts.Fatalf("stack %s: crashed (see stderr above)", line)
		}
		switch {
		case err != nil && !neg:
			ts.Fatalf("stack %s: %v", line, err)
		case err == nil && neg:
			ts.Fatalf("stack %s: unexpected success", line)
		}
	}
}

// dockerTS runs the docker CLI for a script command, on the engine the
// script's DOCKER_HOST names (a fault script may start its own), failing
// the script when docker fails.
func dockerTS(ts *testscript.TestScript, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	if host := ts.Getenv("DOCKER_HOST"); host != os.Getenv("DOCKER_HOST") {
		args = append([]string{"-H", host}, args...)
	}
	out, err := docker(ctx, args...)
	ts.Check(err)
	return out
}

func project(ts *testscript.TestScript) string {
	p := ts.Getenv("PROJECT")
	if p == "" {
		ts.Fatalf("$PROJECT is not set")
	}
	return p
}

func projectFilter(ts *testscript.TestScript) string {
	return "label=" + projectLabel + "=" + project(ts)
}

func cmdContainers(ts *testscript.TestScript, neg bool, args []string) {
	all := len(args) > 0 && args[0] == "-a"
	if all {
		args = args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: containers [-a] COUNT")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("containers: COUNT %q is not a number", args[0])
	}
	list := []string{"ps", "--filter", projectFilter(ts), "--format", "{{.Names}} {{.State}}"}
	if all {
		list = append(list, "-a")
	}
	got := sortedLines(dockerTS(ts, list...))
	fmt.Fprintln(ts.Stdout(), strings.Join(got, "\n"))
	switch {
	case len(got) != want && !neg:
		ts.Fatalf("want %d containers of project %s, got %d: %q", want, project(ts), len(got), got)
	case len(got) == want && neg:
		ts.Fatalf("want other than %d containers of project %s, got %q", want, project(ts), got)
	}
}

// inspected is the part of `docker inspect` output the commands read; it
// decodes containers, networks and volumes alike.
type inspected struct {
	Name   string
	Labels map[string]string // networks, volumes
	Config *struct {
		Labels map[string]string
	}
	State *struct {
		Status    string
		StartedAt string
		Health    *struct{ Status string }
	}
	NetworkSettings *struct {
		Ports map[string][]struct {
			HostIP   string `json:"HostIp"`
			HostPort string
		}
	}
}

// inspect returns the engine's view of the object called name.
func inspect(ts *testscript.TestScript, name string) inspected {
	var objs []inspected
	ts.Check(json.Unmarshal([]byte(dockerTS(ts, "inspect", name)), &objs))
	if len(objs) != 1 {
		ts.Fatalf("docker inspect %s: want 1 object, got %d", name, len(objs))
	}
	return objs[0]
}

func inspectContainer(ts *testscript.TestScript, name string) inspected {
	obj := inspect(ts, name)
	if obj.State == nil {
		ts.Fatalf("%s is not a container", name)
	}
	return obj
}

func cmdLabel(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: label NAME KEY [VALUE]")
	}
	obj := inspect(ts, args[0])
	labels := obj.Labels
	if obj.Config != nil {
		labels = obj.Config.Labels
	}
	got, ok := labels[args[1]]
	match := ok
	if len(args) == 3 {
		match = ok && got == args[2]
	}
	switch {
	case !match && !neg && !ok:
		ts.Fatalf("%s has no label %s", args[0], args[1])
	case !match && !neg:
		ts.Fatalf("%s: label %s is %q, want %q", args[0], args[1], got, args[2])
	case match && neg:
		ts.Fatalf("%s: unexpected label %s=%q", args[0], args[1], got)
	}
}

func cmdState(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: state CONTAINER STATE")
	}
	st := inspectContainer(ts, args[0]).State
	got := st.Status
	if st.Health != nil {
		got += " (health: " + st.Health.Status + ")"
	}
	match := st.Status == args[1] || (st.Health != nil && st.Health.Status == args[1])
	switch {
	case !match && !neg:
		ts.Fatalf("%s is %s, want %s", args[0], got, args[1])
	case match && neg:
		ts.Fatalf("%s is %s, want otherwise", args[0], got)
	}
}

func cmdStartOrder(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: startorder CONTAINER CONTAINER...")
	}
	var (
		prev    time.Time
		ordered = true
		table   strings.Builder
	)
	for i, name := range args {
		st := inspectContainer(ts, name).State
		at, err := time.Parse(time.RFC3339Nano, st.StartedAt)
		if err != nil || at.IsZero() || at.Year() < 2000 {
			ts.Fatalf("%s has not started (StartedAt %q, status %s)", name, st.StartedAt, st.Status)
		}
		fmt.Fprintf(&table, "%s %s\n", at.Format(time.RFC3339Nano), name)
		if i > 0 && !at.After(prev) {
			ordered = false
		}
		prev = at
	}
	fmt.Fprint(ts.Stdout(), table.String())
	switch {
	case !ordered && !neg:
		ts.Fatalf("containers did not start in the order given:\n%s", table.String())
	case ordered && neg:
		ts.Fatalf("containers started in the order given:\n%s", table.String())
	}
}

func cmdHostPort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: hostport CONTAINER PORT[/PROTO]")
	}
	port := args[1]
	if !strings.Contains(port, "/") {
		port += "/tcp"
	}
	ns := inspectContainer(ts, args[0]).NetworkSettings
	var hostPort string
	if ns != nil {
		for _, b := range ns.Ports[port] {
			// Prefer the IPv4 binding; the IPv6 twin has the same port.
			if b.HostPort != "" && (hostPort == "" || !strings.Contains(b.HostIP, ":")) {
				hostPort = b.HostPort
			}
		}
	}
	switch {
	case hostPort == "" && !neg:
		ts.Fatalf("%s does not publish %s", args[0], port)
	case hostPort != "" && neg:
		ts.Fatalf("%s publishes %s on host port %s", args[0], port, hostPort)
	case hostPort != "":
		ts.Setenv("HOSTPORT", hostPort)
		fmt.Fprintln(ts.Stdout(), hostPort)
	}
}

func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 && len(args) != 2 {
		ts.Fatalf("usage: httpget URL [SUBSTRING]")
	}
	url := args[0]
	client := &http.Client{
		Timeout: 3 * time.Second,
		// No proxy from the environment, no reused connections: every try
		// asks the published port afresh.
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	try := func() (body string, err error) {
		resp, err := client.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return "", err
		}
		if resp.StatusCode/100 != 2 {
			return string(b), fmt.Errorf("status %s", resp.Status)
		}
		if len(args) == 2 && !strings.Contains(string(b), args[1]) {
			return string(b), fmt.Errorf("body does not contain %q", args[1])
		}
		return string(b), nil
	}
	deadline := time.Now().Add(httpWait)
	for {
		body, err := try()
		if (err == nil) != neg {
			fmt.Fprint(ts.Stdout(), body)
			return
		}
		if time.Now().After(deadline) {
			if neg {
				ts.Fatalf("GET %s still answers after %s", url, httpWait)
			}
			ts.Fatalf("GET %s: %v (tried for %s)\n%s", url, err, httpWait, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func cmdNoObjects(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) > 1 {
		ts.Fatalf("usage: noobjects [PROJECT]")
	}
	proj := project(ts)
	if len(args) == 1 {
		proj = args[0]
	}
	filter := "label=" + projectLabel + "=" + proj
	var left []string
	for _, kind := range []struct{ name, list, format string }{
		{"container", "ps", "{{.Names}}"},
		{"network", "network", "{{.Name}}"},
		{"volume", "volume", "{{.Name}}"},
	} {
		args := []string{kind.list, "ls", "--filter", filter, "--format", kind.format}
		if kind.list == "ps" {
			args = []string{"ps", "-a", "--filter", filter, "--format", kind.format}
		}
		for _, n := range sortedLines(dockerTS(ts, args...)) {
			left = append(left, kind.name+" "+n)
		}
	}
	switch {
	case len(left) > 0 && !neg:
		ts.Fatalf("project %s still has: %s", proj, strings.Join(left, ", "))
	case len(left) == 0 && neg:
		ts.Fatalf("project %s has no containers, networks or volumes", proj)
	}
}

package commands

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// fakeVerbs records the calls of the commands; its hooks play the engine.
type fakeVerbs struct {
	mu       sync.Mutex
	parallel int
	sink     stack.Sink
	calls    []string
	up       stack.UpOptions
	upP      *types.Project
	down     stack.DownOptions
	downName string
	downP    *types.Project
	ps       stack.PsOptions
	psName   string

	onUp   func(ctx context.Context, o stack.UpOptions) error
	onDown func(ctx context.Context) error
	list   []engine.Container
}

func (f *fakeVerbs) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeVerbs) Up(ctx context.Context, p *types.Project, o stack.UpOptions) error {
	f.record("up")
	f.up, f.upP = o, p
	if f.onUp != nil {
		return f.onUp(ctx, o)
	}
	return nil
}

func (f *fakeVerbs) Down(ctx context.Context, name string, p *types.Project, o stack.DownOptions) error {
	f.record("down")
	f.down, f.downName, f.downP = o, name, p
	if f.onDown != nil {
		return f.onDown(ctx)
	}
	return nil
}

func (f *fakeVerbs) Ps(_ context.Context, name string, o stack.PsOptions) ([]engine.Container, error) {
	f.record("ps")
	f.ps, f.psName = o, name
	return f.list, nil
}

// harness runs the command line in a directory of its own.
type harness struct {
	t       *testing.T
	dir     string
	env     []string
	stdin   string
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	verbs   *fakeVerbs
	engine  error // returned when connecting, if set
	sigs    chan os.Signal
	exited  chan int
	stdTTY  bool
	connect int // number of connections made
}

func newHarness(t *testing.T, stackFile string) *harness {
	h := &harness{t: t, dir: t.TempDir(), verbs: &fakeVerbs{}, sigs: make(chan os.Signal, 3), exited: make(chan int, 1)}
	if stackFile != "" {
		h.write("stack.yaml", stackFile)
	}
	return h
}

func (h *harness) write(name, content string) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) cli() *cli {
	return &cli{
		stdin:     strings.NewReader(h.stdin),
		stdout:    &h.stdout,
		stderr:    &h.stderr,
		environ:   append([]string{"PATH=/usr/bin"}, h.env...),
		workDir:   h.dir,
		stdoutTTY: h.stdTTY,
		stderrTTY: h.stdTTY,
		termSize:  func() (int, int) { return 0, 0 },
		now:       func() time.Time { return time.Date(2024, 1, 2, 3, 2, 0, 0, time.UTC) },
		newVerbs: func(sink stack.Sink, parallel int) (verbs, func(), error) {
			h.connect++
			if h.engine != nil {
				return nil, nil, h.engine
			}
			h.verbs.sink, h.verbs.parallel = sink, parallel
			return h.verbs, nil, nil
		},
	}
}

// run executes args and returns the exit code.
func (h *harness) run(args ...string) int {
	h.t.Helper()
	h.stdout.Reset()
	h.stderr.Reset()
	return run(context.Background(), h.cli(), args, h.sigs, func(code int) { h.exited <- code })
}

// runVerbs is run with v as the verbs of every connection; hook, when not
// nil, is told the sink and parallelism of each.
func (h *harness) runVerbs(v verbs, hook func(sink stack.Sink, parallel int), args ...string) int {
	h.t.Helper()
	h.stdout.Reset()
	h.stderr.Reset()
	c := h.cli()
	c.newVerbs = func(sink stack.Sink, parallel int) (verbs, func(), error) {
		if hook != nil {
			hook(sink, parallel)
		}
		return v, nil, nil
	}
	return run(context.Background(), c, args, h.sigs, func(code int) { h.exited <- code })
}

const shopFile = `name: shop
services:
  db:
    image: mariadb
    x-link-priority: 10
  cache:
    image: redis
  web:
    image: nginx
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_started}
  debug:
    image: busybox
    profiles: [debug]
`

func TestUpBuildsOptions(t *testing.T) {
	h := newHarness(t, shopFile)
	code := h.run("up", "-d", "--no-deps", "--force-recreate", "-V", "--remove-orphans", "--no-start",
		"-t", "5", "--wait-timeout", "30", "--scale", "web=3", "--scale", "db=0", "web")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, h.stderr.String())
	}
	up := h.verbs.up
	if up.Attach != nil {
		t.Error("-d must not attach")
	}
	if got := strings.Join(up.Services, ","); got != "web" {
		t.Errorf("services %q", got)
	}
	if !up.NoDeps || !up.ForceRecreate || !up.RenewAnonVolumes || !up.RemoveOrphans || !up.NoStart || up.NoRecreate || up.Wait {
		t.Errorf("flags not passed: %+v", up)
	}
	if up.Timeout == nil || *up.Timeout != 5*time.Second || up.WaitTimeout != 30*time.Second {
		t.Errorf("timeouts: %v %v", up.Timeout, up.WaitTimeout)
	}
	if up.Scale["web"] != 3 || up.Scale["db"] != 0 || len(up.Scale) != 2 {
		t.Errorf("scale %v", up.Scale)
	}
	if up.Kill == nil {
		t.Error("Kill channel not passed")
	}
	if h.verbs.upP.Name != "shop" || h.verbs.parallel != stack.DefaultParallel {
		t.Errorf("project %q parallel %d", h.verbs.upP.Name, h.verbs.parallel)
	}
}

func TestUpDefaults(t *testing.T) {
	h := newHarness(t, shopFile)
	if code := h.run("up"); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, h.stderr.String())
	}
	up := h.verbs.up
	if up.Attach == nil {
		t.Error("up without -d must attach a log printer")
	}
	if up.Timeout != nil || up.Scale != nil || len(up.Services) != 0 || up.RemoveOrphans {
		t.Errorf("unexpected options %+v", up)
	}
}

func TestUpWaitImpliesDetach(t *testing.T) {
	h := newHarness(t, shopFile)
	if code := h.run("up", "--wait"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if !h.verbs.up.Wait || h.verbs.up.Attach != nil {
		t.Errorf("--wait: %+v", h.verbs.up)
	}
}

func TestUpEnablesProfiledServiceNamed(t *testing.T) {
	h := newHarness(t, shopFile)
	if code := h.run("up", "-d", "debug"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if _, ok := h.verbs.upP.Services["debug"]; !ok {
		t.Error("a service named on the command line must be enabled")
	}
}

func TestGlobalFlagsBeforeOrAfter(t *testing.T) {
	for _, args := range [][]string{
		{"-p", "other", "--parallel", "3", "--progress", "json", "up", "-d"},
		{"up", "-d", "-p", "other", "--parallel", "3", "--progress", "json"},
		{"--project-name=other", "up", "--parallel=3", "-d", "--progress=json"},
	} {
		h := newHarness(t, shopFile)
		if code := h.run(args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, h.stderr.String())
		}
		if h.verbs.upP.Name != "other" || h.verbs.parallel != 3 {
			t.Errorf("%v: project %q parallel %d", args, h.verbs.upP.Name, h.verbs.parallel)
		}
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	h := newHarness(t, shopFile)
	h.env = []string{"COMPOSE_PARALLEL_LIMIT=2", "COMPOSE_REMOVE_ORPHANS=true"}
	if code := h.run("up", "-d"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if h.verbs.parallel != 2 || !h.verbs.up.RemoveOrphans {
		t.Errorf("parallel %d, remove orphans %v", h.verbs.parallel, h.verbs.up.RemoveOrphans)
	}
	// The flag wins over the environment.
	if code := h.run("--parallel", "5", "up", "-d"); code != 0 || h.verbs.parallel != 5 {
		t.Errorf("exit %d, parallel %d", code, h.verbs.parallel)
	}
	h.env = []string{"COMPOSE_PARALLEL_LIMIT=many"}
	if code := h.run("up", "-d"); code != 1 || !strings.Contains(h.stderr.String(), "COMPOSE_PARALLEL_LIMIT must be an integer") {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"up", "--bogus"}, "stack: unknown flag: --bogus\nSee 'stack up --help'.\n"},
		{[]string{"bogus"}, "stack: unknown command \"bogus\" for \"stack\"\nSee 'stack --help'.\n"},
		{[]string{"up", "--force-recreate", "--no-recreate"}, "stack: --force-recreate and --no-recreate are incompatible\nSee 'stack up --help'.\n"},
		{[]string{"up", "--scale", "web"}, "stack: invalid --scale value \"web\": want SERVICE=NUM, NUM a number of containers\nSee 'stack up --help'.\n"},
		{[]string{"down", "extra"}, "stack: \"stack down\" accepts no arguments, got \"extra\"\nSee 'stack down --help'.\n"},
		{[]string{"--progress", "fancy", "up"}, "stack: unsupported --progress value \"fancy\": use one of auto, tty, plain, json, quiet\nSee 'stack up --help'.\n"},
		{[]string{"--ansi", "sometimes", "ps"}, "stack: unsupported --ansi value \"sometimes\": use one of never, always, auto\nSee 'stack ps --help'.\n"},
		{[]string{"ps", "--status", "sleeping"}, "stack: invalid --status value \"sleeping\": use one of paused, restarting, removing, running, dead, created, exited\nSee 'stack ps --help'.\n"},
		{[]string{"graph", "--format", "svg"}, "stack: unsupported --format value \"svg\": use one of text, dot, mermaid, json\nSee 'stack graph --help'.\n"},
		{[]string{"up", "nosuch"}, "stack: no such service: nosuch\n"},
		{[]string{"up", "-d", "--scale", "nosuch=2"}, "stack: no such service: nosuch\n"},
	}
	for _, tt := range tests {
		h := newHarness(t, shopFile)
		if code := h.run(tt.args...); code != 1 {
			t.Errorf("%v: exit %d, want 1", tt.args, code)
		}
		if h.stderr.String() != tt.want {
			t.Errorf("%v: stderr\n%q\nwant\n%q", tt.args, h.stderr.String(), tt.want)
		}
		if h.connect != 0 {
			t.Errorf("%v: the engine was contacted", tt.args)
		}
	}
}

func TestStackFileErrorsComeBeforeTheEngine(t *testing.T) {
	h := newHarness(t, `services:
  a: {image: x, depends_on: [b]}
  b: {image: x, depends_on: [a]}
`)
	for _, args := range [][]string{{"up", "-d"}, {"config", "-q"}, {"down"}, {"ps"}, {"graph"}} {
		if code := h.run(args...); code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		if got := h.stderr.String(); !strings.HasPrefix(got, "stack: ") || !strings.Contains(got, "a -> b -> a") || strings.Count(got, "\n") != 1 {
			t.Errorf("%v: stderr %q", args, got)
		}
	}
	if h.connect != 0 {
		t.Error("the engine was contacted")
	}
}

func TestExitCodes(t *testing.T) {
	unreachable := &engine.UnreachableError{Host: "unix:///var/run/docker.sock", Err: errors.New("connection refused")}
	tests := []struct {
		name   string
		engine error
		upErr  error
		code   int
		stderr string
	}{
		{"ok", nil, nil, 0, ""},
		{"exit code", nil, &stack.ExitError{Code: 3}, 3, ""},
		{"exit code with message", nil, &stack.ExitError{Code: 4, Err: errors.New(`service "web" exited with code 4`)}, 4,
			"stack: service \"web\" exited with code 4\n"},
		{"plain error", nil, errors.New(`start container "shop-web-1": boom`), 1, "stack: start container \"shop-web-1\": boom\n"},
		{"unreachable on connect", unreachable, nil, 1,
			"stack: cannot connect to the Docker engine at unix:///var/run/docker.sock: connection refused\n" + engineHint + "\n"},
		{"unreachable wrapped", nil, errors.Join(errors.New("list containers"), unreachable), 1,
			"stack: list containers\ncannot connect to the Docker engine at unix:///var/run/docker.sock: connection refused\n" + engineHint + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, shopFile)
			h.engine = tt.engine
			h.verbs.onUp = func(context.Context, stack.UpOptions) error { return tt.upErr }
			if code := h.run("up", "-d"); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if h.stderr.String() != tt.stderr {
				t.Errorf("stderr\n%q\nwant\n%q", h.stderr.String(), tt.stderr)
			}
		})
	}
}

func TestPanicIsAnInternalError(t *testing.T) {
	h := newHarness(t, shopFile)
	h.verbs.onUp = func(context.Context, stack.UpOptions) error { panic("nil map") }
	if code := h.run("up", "-d"); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if got := h.stderr.String(); got != "stack: internal error: nil map\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestSignals(t *testing.T) {
	h := newHarness(t, shopFile)
	killed := make(chan bool, 1)
	h.verbs.onUp = func(ctx context.Context, o stack.UpOptions) error {
		h.sigs <- os.Interrupt
		<-ctx.Done()
		h.sigs <- os.Interrupt
		select {
		case <-o.Kill:
			killed <- true
		case <-time.After(10 * time.Second):
			killed <- false
		}
		h.sigs <- os.Interrupt
		select {
		case code := <-h.exited:
			if code != 130 {
				t.Errorf("third signal exits %d, want 130", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("third signal did not exit")
		}
		return ctx.Err()
	}
	if code := h.run("up"); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	if !<-killed {
		t.Error("second signal did not close Kill")
	}
	if h.stderr.String() != "" {
		t.Errorf("an interrupt prints no error, got %q", h.stderr.String())
	}
}

func TestDownWithoutStackFile(t *testing.T) {
	h := newHarness(t, "")
	if code := h.run("-p", "shop", "down", "-v", "-t", "0"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if h.verbs.downName != "shop" || h.verbs.downP != nil || !h.verbs.down.Volumes || *h.verbs.down.Timeout != 0 {
		t.Errorf("down %q %v %+v", h.verbs.downName, h.verbs.downP, h.verbs.down)
	}

	h = newHarness(t, "")
	h.env = []string{"COMPOSE_PROJECT_NAME=fromenv"}
	if code := h.run("down"); code != 0 || h.verbs.downName != "fromenv" {
		t.Errorf("exit %d, name %q, stderr %q", code, h.verbs.downName, h.stderr.String())
	}

	// No name: the missing file is the error.
	h = newHarness(t, "")
	if code := h.run("down"); code != 1 || !strings.Contains(h.stderr.String(), "no stack file found") || h.connect != 0 {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	// An explicit -f that is missing is an error, name or not.
	h = newHarness(t, "")
	if code := h.run("-p", "shop", "-f", "missing.yml", "down"); code != 1 || h.connect != 0 {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	// An invalid name is refused.
	h = newHarness(t, "")
	if code := h.run("-p", "Bad Name", "down"); code != 1 || !strings.Contains(h.stderr.String(), "invalid project name") {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
}

func TestDownWithStackFile(t *testing.T) {
	h := newHarness(t, shopFile)
	if code := h.run("down", "--remove-orphans"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if h.verbs.downName != "shop" || h.verbs.downP == nil || !h.verbs.down.RemoveOrphans || h.verbs.down.Timeout != nil {
		t.Errorf("down %q %+v", h.verbs.downName, h.verbs.down)
	}
}

func psList() []engine.Container {
	return []engine.Container{
		{ID: "aaaaaaaaaaaaaaaa", Name: "shop-db-1", Image: "mariadb", Service: "db", Number: 1, State: "running", Status: "Up 1 minute"},
		{ID: "bbbbbbbbbbbbbbbb", Name: "shop-web-1", Image: "nginx", Service: "web", Number: 1, State: "exited", Status: "Exited (1) 1 minute ago"},
		{ID: "cccccccccccccccc", Name: "shop-web-2", Image: "nginx", Service: "web", Number: 2, State: "running", Status: "Up 1 minute"},
	}
}

func TestPs(t *testing.T) {
	tests := []struct {
		args []string
		want string
		all  bool
	}{
		{[]string{"ps", "-q"}, "aaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbb\ncccccccccccccccc\n", false},
		{[]string{"ps", "--services", "-a"}, "db\nweb\n", true},
		{[]string{"ps", "-q", "--status", "exited"}, "bbbbbbbbbbbbbbbb\n", true},
		{[]string{"ps", "-q", "--filter", "status=running"}, "aaaaaaaaaaaaaaaa\ncccccccccccccccc\n", true},
		{[]string{"ps", "--format", "{{.Name}}:{{.ExitCode}}"}, "shop-db-1:0\nshop-web-1:1\nshop-web-2:0\n", false},
	}
	for _, tt := range tests {
		h := newHarness(t, shopFile)
		h.verbs.list = psList()
		if code := h.run(tt.args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, h.stderr.String())
		}
		if h.stdout.String() != tt.want {
			t.Errorf("%v: got %q, want %q", tt.args, h.stdout.String(), tt.want)
		}
		if h.verbs.ps.All != tt.all || h.verbs.psName != "shop" {
			t.Errorf("%v: ps options %+v on %q", tt.args, h.verbs.ps, h.verbs.psName)
		}
	}

	h := newHarness(t, shopFile)
	h.verbs.list = psList()[:1]
	if code := h.run("ps", "--format", "json", "db"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if !strings.HasPrefix(h.stdout.String(), `{"ID":"aaaaaaaaaaaa","Name":"shop-db-1"`) || strings.Join(h.verbs.ps.Services, ",") != "db" {
		t.Errorf("json: %q, services %v", h.stdout.String(), h.verbs.ps.Services)
	}
}

func TestConfig(t *testing.T) {
	h := newHarness(t, shopFile+`volumes:
  data: {}
`)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"config", "-q"}, ""},
		{[]string{"config", "--services"}, "cache\ndb\nweb\n"},
		{[]string{"config", "--volumes"}, ""}, // no service uses it: left out, as in Compose
		{[]string{"--all-resources", "config", "--volumes"}, "data\n"},
		{[]string{"config", "--profiles"}, "debug\n"},
		{[]string{"config", "--images"}, "redis\nmariadb\nnginx\n"},
		{[]string{"--profile", "debug", "config", "--services"}, "cache\ndb\ndebug\nweb\n"},
		{[]string{"config", "--services", "web"}, "cache\ndb\nweb\n"},
	}
	for _, tt := range tests {
		if code := h.run(tt.args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, h.stderr.String())
		}
		if h.stdout.String() != tt.want {
			t.Errorf("%v: got %q, want %q", tt.args, h.stdout.String(), tt.want)
		}
	}
	if code := h.run("config"); code != 0 || !strings.HasPrefix(h.stdout.String(), "name: shop\n") || !strings.Contains(h.stdout.String(), "x-link-priority: 10") {
		t.Errorf("yaml: exit %d\n%s", code, h.stdout.String())
	}
	if code := h.run("config", "--format", "json"); code != 0 || !strings.HasPrefix(h.stdout.String(), "{\n") || !strings.Contains(h.stdout.String(), `"name": "shop"`) {
		t.Errorf("json: exit %d\n%s", code, h.stdout.String())
	}
	out := filepath.Join(h.dir, "out.yaml")
	if code := h.run("config", "-o", out); code != 0 || h.stdout.Len() != 0 {
		t.Errorf("-o: exit %d, stdout %q", code, h.stdout.String())
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "name: shop\n") {
		t.Errorf("-o wrote %q, %v", b, err)
	}
	if h.connect != 0 {
		t.Error("config contacted the engine")
	}
}

func TestConfigFromStdin(t *testing.T) {
	h := newHarness(t, "")
	h.stdin = "name: piped\nservices:\n  a: {image: x}\n"
	if code := h.run("-f", "-", "config", "--services"); code != 0 || h.stdout.String() != "a\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, h.stdout.String(), h.stderr.String())
	}
}

func TestGraph(t *testing.T) {
	h := newHarness(t, shopFile)
	if code := h.run("graph"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	want := "level 0: db (priority 10), cache\nlevel 1: web -> cache, db (service_healthy)\n"
	if h.stdout.String() != want {
		t.Errorf("got\n%s\nwant\n%s", h.stdout.String(), want)
	}
	if code := h.run("graph", "--format", "dot", "db"); code != 0 || h.stdout.String() != "digraph \"shop\" {\n  node [shape=box];\n  \"db\" [label=\"db\\npriority 10\"];\n}\n" {
		t.Errorf("exit %d, dot of db:\n%s", code, h.stdout.String())
	}
}

func TestVersion(t *testing.T) {
	h := newHarness(t, "")
	if code := h.run("version"); code != 0 || !strings.HasPrefix(h.stdout.String(), "stack version ") {
		t.Errorf("exit %d, %q", code, h.stdout.String())
	}
	if code := h.run("--version"); code != 0 || !strings.HasPrefix(h.stdout.String(), "stack version ") {
		t.Errorf("--version: exit %d, %q", code, h.stdout.String())
	}
	if code := h.run("version", "--short"); code != 0 || strings.Contains(h.stdout.String(), " ") {
		t.Errorf("exit %d, %q", code, h.stdout.String())
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t, "")
	if code := h.run("--help"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := h.stdout.String()
	for _, want := range []string{"Usage:  stack [OPTIONS] COMMAND\n", "Options:\n", "  -f, --file stringArray", "Commands:\n", "  up ", "Examples:\n",
		"Run 'stack COMMAND --help' for more information on a command."} {
		if !strings.Contains(out, want) {
			t.Errorf("root help lacks %q:\n%s", want, out)
		}
	}
	if code := h.run("up", "--help"); code != 0 || !strings.HasPrefix(h.stdout.String(), "Usage:  stack up [OPTIONS] [SERVICE...]\n") ||
		!strings.Contains(h.stdout.String(), "Global Options:\n") {
		t.Errorf("exit %d, up help:\n%s", code, h.stdout.String())
	}
	if code := h.run(); code != 0 || !strings.HasPrefix(h.stdout.String(), "Usage:  stack [OPTIONS] COMMAND") {
		t.Errorf("no arguments: exit %d\n%s", code, h.stdout.String())
	}
}

func TestProgressModes(t *testing.T) {
	h := newHarness(t, shopFile)
	h.verbs.onUp = func(context.Context, stack.UpOptions) error {
		h.verbs.sink.Event(stack.Event{Kind: stack.KindContainer, Name: "shop-db-1", Status: stack.StatusStarted, Done: true})
		return nil
	}
	if code := h.run("up", "-d"); code != 0 || h.stderr.String() != " Container shop-db-1  Started\n" {
		t.Errorf("plain: exit %d, %q", code, h.stderr.String())
	}
	if code := h.run("--progress", "quiet", "up", "-d"); code != 0 || h.stderr.String() != "" {
		t.Errorf("quiet: exit %d, %q", code, h.stderr.String())
	}
	if code := h.run("--progress", "json", "up", "-d"); code != 0 || !strings.HasPrefix(h.stderr.String(), `{"time":`) {
		t.Errorf("json: exit %d, %q", code, h.stderr.String())
	}
	h.verbs.onUp = func(context.Context, stack.UpOptions) error { return errors.New("boom") }
	if code := h.run("--progress", "json", "up", "-d"); code != 1 || h.stderr.String() != `{"error":true,"message":"boom"}`+"\n" {
		t.Errorf("json error: exit %d, %q", code, h.stderr.String())
	}
}

func TestAttachedLogs(t *testing.T) {
	h := newHarness(t, shopFile)
	h.verbs.onUp = func(_ context.Context, o stack.UpOptions) error {
		o.Attach.Log(stack.LogLine{Service: "db", Number: 1, Line: "ready"})
		o.Attach.Log(stack.LogLine{Service: "web", Number: 1, Line: "up"})
		return nil
	}
	if code := h.run("up", "--scale", "web=10"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	// Widths come from the expected containers: web-10 and cache-1 are
	// the longest.
	if want := "db-1     | ready\nweb-1    | up\n"; h.stdout.String() != want {
		t.Errorf("got %q, want %q", h.stdout.String(), want)
	}
	if code := h.run("up", "--no-log-prefix"); code != 0 || h.stdout.String() != "ready\nup\n" {
		t.Errorf("--no-log-prefix: %q", h.stdout.String())
	}
}

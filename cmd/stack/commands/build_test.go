package commands

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// imageVerbs adds the build, pull, exec and run verbs to fakeVerbs.
type imageVerbs struct {
	*fakeVerbs
	build       stack.BuildOptions
	pull        stack.PullOptions
	p           *types.Project
	exec        stack.ExecOptions
	execProject string
	run         stack.RunOptions
	err         error
}

func (v *imageVerbs) Build(_ context.Context, p *types.Project, o stack.BuildOptions) error {
	v.record("build")
	v.build, v.p = o, p
	return v.err
}

func (v *imageVerbs) Pull(_ context.Context, p *types.Project, o stack.PullOptions) error {
	v.record("pull")
	v.pull, v.p = o, p
	return v.err
}

func (v *imageVerbs) Exec(_ context.Context, project string, o stack.ExecOptions) error {
	v.record("exec")
	v.exec, v.execProject = o, project
	return v.err
}

func (v *imageVerbs) Run(_ context.Context, p *types.Project, o stack.RunOptions) (string, error) {
	v.record("run")
	v.run, v.p = o, p
	return p.Name + "-" + o.Service + "-run-0123456789ab", v.err
}

// runImages runs args on h with imageVerbs and returns the exit code.
func runImages(h *harness, v *imageVerbs, args ...string) int {
	h.t.Helper()
	return h.runVerbs(v, func(sink stack.Sink, parallel int) {
		v.fakeVerbs.sink, v.fakeVerbs.parallel = sink, parallel
	}, args...)
}

const buildFile = `name: shop
services:
  db:
    image: mariadb
  web:
    build: ./web
    depends_on: [api]
  api:
    build: ./api
    depends_on: [db]
`

func TestBuildOptions(t *testing.T) {
	h := newHarness(t, buildFile)
	h.env = []string{"FROM_ENV=e"}
	v := &imageVerbs{fakeVerbs: h.verbs}
	code := runImages(h, v, "build", "--no-cache", "--pull", "-q", "--build-arg", "A=1", "--build-arg", "FROM_ENV", "--build-arg", "UNSET", "web")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	b := v.build
	if !b.NoCache || !b.Pull || !b.Quiet || !slices.Equal(b.Services, []string{"web"}) {
		t.Errorf("options %+v", b)
	}
	if *b.Args["A"] != "1" || *b.Args["FROM_ENV"] != "e" || b.Args["UNSET"] != nil || len(b.Args) != 3 {
		t.Errorf("args %v", b.Args)
	}
	if code := runImages(h, v, "build", "--with-dependencies", "web"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	got := slices.Clone(v.build.Services)
	slices.Sort(got)
	if !slices.Equal(got, []string{"api", "db", "web"}) {
		t.Errorf("with dependencies: %v", got)
	}
	if code := runImages(h, v, "build", "nosuch"); code != 1 || !strings.Contains(h.stderr.String(), "nosuch") {
		t.Errorf("unknown service: exit %d, %q", code, h.stderr.String())
	}
	if code := runImages(h, v, "build", "--build-arg", "=x"); code != 1 {
		t.Errorf("bad build arg: exit %d", code)
	}
}

func TestPullOptions(t *testing.T) {
	h := newHarness(t, buildFile)
	v := &imageVerbs{fakeVerbs: h.verbs}
	if code := runImages(h, v, "pull", "--policy", "missing", "--ignore-buildable", "--ignore-pull-failures", "--include-deps", "web"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	o := v.pull
	if o.Policy != "missing" || !o.IgnoreBuildable || !o.IgnorePullFailures || len(o.Services) != 3 {
		t.Errorf("options %+v", o)
	}
	if code := runImages(h, v, "pull", "--policy", "sometimes"); code != 1 || !strings.Contains(h.stderr.String(), "--policy") {
		t.Errorf("bad policy: exit %d, %q", code, h.stderr.String())
	}
	v.err = stack.ErrImageMissing
	if code := runImages(h, v, "pull", "db"); code != 1 {
		t.Errorf("failed pull: exit %d", code)
	}
}

func TestExecOptionsAndExitCode(t *testing.T) {
	h := newHarness(t, buildFile)
	h.env = []string{"HOME_DIR=/root"}
	v := &imageVerbs{fakeVerbs: h.verbs}
	code := runImages(h, v, "exec", "-T", "-e", "A=1", "-e", "HOME_DIR", "-e", "NOPE", "-u", "nobody", "-w", "/tmp", "--index", "2", "--privileged", "db", "ls", "-la", "-p", "x")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	o := v.exec
	if v.execProject != "shop" || o.Service != "db" || !slices.Equal(o.Cmd, []string{"ls", "-la", "-p", "x"}) {
		t.Errorf("exec %q %+v", v.execProject, o)
	}
	if !slices.Equal(o.Env, []string{"A=1", "HOME_DIR=/root"}) || o.User != "nobody" || o.WorkDir != "/tmp" || o.Index != 2 || !o.Privileged || o.TTY {
		t.Errorf("options %+v", o)
	}
	if o.Stdin == nil || o.Stdout == nil {
		t.Error("streams not connected")
	}
	v.err = &stack.ExitError{Code: 7}
	if code := runImages(h, v, "exec", "db", "false"); code != 7 || h.stderr.Len() != 0 {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	if code := runImages(h, v, "exec", "db"); code != 1 || !strings.Contains(h.stderr.String(), "SERVICE COMMAND") {
		t.Errorf("missing command: exit %d, %q", code, h.stderr.String())
	}
	if code := runImages(h, v, "exec", "nosuch", "true"); code != 1 || !strings.Contains(h.stderr.String(), "no such service") {
		t.Errorf("unknown service: exit %d, %q", code, h.stderr.String())
	}
}

func TestRunOptions(t *testing.T) {
	h := newHarness(t, buildFile)
	v := &imageVerbs{fakeVerbs: h.verbs}
	code := runImages(h, v, "-p", "other", "run", "--rm", "--no-deps", "-p", "8080:80", "-P", "-v", "./d:/d", "-e", "A=1",
		"-l", "k=v", "--entrypoint", "sh -c", "-u", "1000", "-w", "/w", "--name", "one", "-T", "--build", "web", "echo", "-p")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	o := v.run
	if v.p.Name != "other" || o.Service != "web" || !slices.Equal(o.Command, []string{"echo", "-p"}) {
		t.Errorf("run %q %+v", v.p.Name, o)
	}
	if !o.Remove || !o.NoDeps || !o.ServicePorts || !o.Build || o.Detach || o.TTY || !o.Interactive {
		t.Errorf("flags %+v", o)
	}
	if !slices.Equal(o.Publish, []string{"8080:80"}) || !slices.Equal(o.Volumes, []string{"./d:/d"}) || !slices.Equal(o.Env, []string{"A=1"}) {
		t.Errorf("lists %+v", o)
	}
	if o.Labels["k"] != "v" || !slices.Equal(o.Entrypoint, []string{"sh", "-c"}) || o.User != "1000" || o.WorkDir != "/w" || o.Name != "one" {
		t.Errorf("values %+v", o)
	}
	if o.BeforeAttach == nil {
		t.Error("no BeforeAttach")
	}

	// An empty --entrypoint resets it; without the flag it is kept.
	if code := runImages(h, v, "run", "--entrypoint", "", "web"); code != 0 || v.run.Entrypoint == nil || len(v.run.Entrypoint) != 0 {
		t.Errorf("exit %d, entrypoint %#v", code, v.run.Entrypoint)
	}
	if code := runImages(h, v, "run", "web"); code != 0 || v.run.Entrypoint != nil || v.p.Name != "shop" {
		t.Errorf("exit %d, entrypoint %#v", code, v.run.Entrypoint)
	}
	if code := runImages(h, v, "run", "-d", "web"); code != 0 || h.stdout.String() != "shop-web-run-0123456789ab\n" {
		t.Errorf("exit %d, stdout %q", code, h.stdout.String())
	}
	if code := runImages(h, v, "run", "-d", "--rm", "web"); code != 1 {
		t.Errorf("-d --rm: exit %d", code)
	}
	v.err = &stack.ExitError{Code: 3}
	if code := runImages(h, v, "run", "--rm", "web"); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
}

func TestCompletion(t *testing.T) {
	h := newHarness(t, buildFile)
	v := &imageVerbs{fakeVerbs: h.verbs}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if code := runImages(h, v, "completion", shell); code != 0 || !strings.Contains(h.stdout.String(), "stack") {
			t.Errorf("%s: exit %d, %d bytes: %s", shell, code, h.stdout.Len(), h.stderr.String())
		}
	}
	if code := runImages(h, v, "completion", "tcsh"); code != 1 {
		t.Errorf("tcsh: exit %d", code)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "build", ""}, "api\ndb\nweb\n:4\n"},
		{[]string{"__complete", "build", "web", "a"}, "api\n:4\n"},
		{[]string{"__complete", "exec", "w"}, "web\n:4\n"},
		{[]string{"__complete", "exec", "web", ""}, ":0\n"},
		{[]string{"__complete", "-p", "x", "run", "d"}, "db\n:4\n"},
	}
	for _, tt := range cases {
		if code := runImages(h, v, tt.args...); code != 0 {
			t.Errorf("%v: exit %d: %s", tt.args, code, h.stderr.String())
		}
		got := h.stdout.String()
		if i := strings.LastIndex(got, ":"); i >= 0 {
			// Cobra's last line is the directive; drop its help text.
			got = got[:i] + strings.SplitN(got[i:], "\n", 2)[0] + "\n"
		}
		if got != tt.want {
			t.Errorf("%v: completions %q, want %q", tt.args, got, tt.want)
		}
	}
	if n := len(v.calls); n != 0 {
		t.Errorf("completion called the verbs: %v", v.calls)
	}
}

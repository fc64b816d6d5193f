package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// testImage is the local busybox image the scripts run ($IMAGE); it is built
// by scripts/busybox-image.sh, never pulled.
const testImage = "stack-test/busybox:latest"

// projectLabel is the Compose label that ties an engine object to a project.
const projectLabel = "com.docker.compose.project"

// repoRoot is the module root, relative to this package's directory (where
// go test runs the test binary).
const repoRoot = ".."

// TestScripts runs every testdata/*.txtar script against the Docker Engine
// with a freshly built stack binary.
func TestScripts(t *testing.T) {
	runScripts(t, scriptGroup{dir: "testdata"})
}

// scriptGroup is a directory of scripts run by one test, with the script
// commands and environment its scripts need beyond the common ones.
type scriptGroup struct {
	dir string
	// cmds are added to commands().
	cmds map[string]func(ts *testscript.TestScript, neg bool, args []string)
	// env is set in every script of the group.
	env map[string]string
	// before, when set, prepares what the group's scripts share (a
	// registry, an engine) once the engine is known to answer, and
	// returns more of their environment.
	before func(t *testing.T) map[string]string
	// setup, when set, prepares each script after the common setup (the
	// values its commands share).
	setup func(e *testscript.Env) error
}

// runScripts runs the scripts of g in parallel subtests, each with its
// own project, skipping (or, with STACK_E2E_REQUIRED, failing) when no
// engine answers.
func runScripts(t *testing.T, g scriptGroup) {
	requireEngine(t)
	limit, err := stackTimeout()
	if err != nil {
		t.Fatal(err)
	}
	bin := stackBinary(t)
	ensureImage(t)
	repo, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for k, v := range g.env {
		env[k] = v
	}
	if g.before != nil {
		for k, v := range g.before(t) {
			env[k] = v
		}
	}

	cmds := commands(bin, limit)
	for name, cmd := range g.cmds {
		cmds[name] = cmd
	}
	setup := setupScript(filepath.Dir(bin), repo)
	p := testscript.Params{
		Dir: g.dir,
		Setup: func(e *testscript.Env) error {
			if err := setup(e); err != nil {
				return err
			}
			// After the common setup: the group may override DOCKER_HOST
			// or DOCKER_CONFIG.
			for k, v := range env {
				e.Setenv(k, v)
			}
			if g.setup != nil {
				return g.setup(e)
			}
			return nil
		},
		Cmds:               cmds,
		RequireUniqueNames: true,
	}
	if dir := os.Getenv("STACK_E2E_WORKDIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p.WorkdirRoot = dir
	}
	testscript.Run(t, p)
}

// requireEngine skips the test in -short mode, and when the engine does
// not answer, unless STACK_E2E_REQUIRED asks to fail instead.
func requireEngine(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end tests skipped in -short mode")
	}
	if err := engineAnswers(); err != nil {
		if os.Getenv("STACK_E2E_REQUIRED") == "" {
			t.Skipf("Docker Engine unreachable (%v); run scripts/engine.sh, or set STACK_E2E_REQUIRED=1 to fail instead of skipping", err)
		}
		t.Fatalf("Docker Engine unreachable: %v (run scripts/engine.sh)", err)
	}
}

// engineAnswers reports why the engine cannot be used through the docker CLI,
// or nil when it answers.
func engineAnswers() error {
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("docker CLI not found: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker version: %v: %s", err, firstLine(string(out)))
	}
	return nil
}

// built is the stack binary this test process built, shared by its Test
// functions: a race build takes a minute on two busy cores.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// TestMain removes the binaries built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{built.dir, proxyBuilt.dir} {
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// stackBinary returns the stack binary under test: $STACK_E2E_BIN, or
// ./cmd/stack built once into a temporary directory (with -race when this
// test binary has it, so that data races in the real scheduler fail the
// scripts).
func stackBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("STACK_E2E_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(abs); err != nil {
			t.Fatalf("STACK_E2E_BIN: %v", err)
		}
		return abs
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "stack-e2e-bin-")
		if built.err != nil {
			return
		}
		built.bin, built.err = buildStack(t, filepath.Join(built.dir, "stack"))
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// buildStack builds ./cmd/stack into bin.
func buildStack(t testing.TB, bin string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("go command not found: %w", err)
	}
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/stack")
	cmd := exec.Command(gobin, args...)
	cmd.Dir = repoRoot
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("built %s in %s (race=%v)", bin, time.Since(start).Round(time.Millisecond), raceEnabled)
	return bin, nil
}

// ensureImage builds the test image unless it exists.
func ensureImage(t testing.TB) {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "busybox-image.sh"), testImage)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/busybox-image.sh: %v\n%s", err, out)
	}
}

// setupScript prepares one script's environment: its own project name, the
// image, the repository root (absolute) as $REPO, the engine address, the
// stack binary first on PATH, and the cleanup of everything the project
// left in the engine.
func setupScript(binDir, repo string) func(*testscript.Env) error {
	return func(env *testscript.Env) error {
		name := strings.TrimPrefix(filepath.Base(env.WorkDir), "script-")
		project := "e2e-" + projectSafe(name) + "-" + randomSuffix(6)
		env.Setenv("PROJECT", project)
		env.Setenv("COMPOSE_PROJECT_NAME", project)
		env.Setenv("IMAGE", testImage)
		env.Setenv("REPO", repo)
		env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
		for _, k := range []string{"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONFIG", "DOCKER_CONTEXT"} {
			if v, ok := os.LookupEnv(k); ok {
				env.Setenv(k, v)
			}
		}
		t := env.T()
		env.Defer(func() {
			stopScriptProcesses(project)
			if failed(t) {
				saveArtifacts(t, name, project)
			}
			cleanupProject(t, project)
		})
		return nil
	}
}

var unsafeProjectChars = regexp.MustCompile(`[^a-z0-9_-]+`)

// projectSafe maps a script name onto the characters allowed in a Compose
// project name.
func projectSafe(s string) string {
	return strings.Trim(unsafeProjectChars.ReplaceAllString(strings.ToLower(s), "-"), "-_")
}

// randomSuffix returns n random characters from [a-z0-9].
func randomSuffix(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func failed(t testscript.T) bool {
	f, ok := t.(interface{ Failed() bool })
	return ok && f.Failed()
}

func errorf(t testscript.T, format string, args ...any) {
	if e, ok := t.(interface{ Errorf(string, ...any) }); ok {
		e.Errorf(format, args...)
		return
	}
	t.Log(fmt.Sprintf(format, args...))
}

// ours reports whether an engine object belongs to the script that owns
// project: labelled with the project (or with a project whose name starts with
// it, such as "$PROJECT-other"), or named after it, such as the unlabelled
// look-alikes of isolation.txtar. Projects are random, so no other script or
// user object can match.
func ours(project, name, label string) bool {
	return strings.HasPrefix(label, project) || strings.Contains(name, project)
}

// cleanupProject removes every container, network and volume of the script
// that owns project, and reports whatever could not be removed.
func cleanupProject(t testscript.T, project string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var removed []string
	lf := `{{.Label "` + projectLabel + `"}}`

	out, err := docker(ctx, "ps", "-a", "--no-trunc", "--format", "{{.ID}}\t{{.Names}}\t"+lf)
	if err != nil {
		errorf(t, "cleanup %s: list containers: %v", project, err)
	}
	var ids []string
	for _, f := range rows(out, 3) {
		if ours(project, f[1], f[2]) {
			ids = append(ids, f[0])
			removed = append(removed, "container "+f[1])
		}
	}
	if len(ids) > 0 {
		if _, err := docker(ctx, append([]string{"rm", "-f", "-v"}, ids...)...); err != nil {
			errorf(t, "cleanup %s: remove containers: %v", project, err)
		}
	}

	out, err = docker(ctx, "network", "ls", "--no-trunc", "--format", "{{.ID}}\t{{.Name}}\t"+lf)
	if err != nil {
		errorf(t, "cleanup %s: list networks: %v", project, err)
	}
	for _, f := range rows(out, 3) {
		if ours(project, f[1], f[2]) {
			removed = append(removed, "network "+f[1])
			if err := removeNetwork(ctx, f[0]); err != nil {
				errorf(t, "cleanup %s: remove network %s: %v", project, f[1], err)
			}
		}
	}

	out, err = docker(ctx, "volume", "ls", "--format", "{{.Name}}\t"+lf)
	if err != nil {
		errorf(t, "cleanup %s: list volumes: %v", project, err)
	}
	for _, f := range rows(out, 2) {
		if ours(project, f[0], f[1]) {
			removed = append(removed, "volume "+f[0])
			if _, err := docker(ctx, "volume", "rm", "-f", f[0]); err != nil {
				errorf(t, "cleanup %s: remove volume %s: %v", project, f[0], err)
			}
		}
	}
	// Images a script built, committed or pulled under its project's name.
	out, err = docker(ctx, "images", "--format", "{{.Repository}}:{{.Tag}}")
	if err != nil {
		errorf(t, "cleanup %s: list images: %v", project, err)
	}
	for _, f := range rows(out, 1) {
		if strings.Contains(f[0], project) {
			removed = append(removed, "image "+f[0])
			if _, err := docker(ctx, "rmi", "-f", f[0]); err != nil {
				errorf(t, "cleanup %s: remove image %s: %v", project, f[0], err)
			}
		}
	}
	if len(removed) > 0 {
		t.Log(fmt.Sprintf("cleanup %s removed: %s", project, strings.Join(removed, ", ")))
	}
}

// removeNetwork removes a network, force-disconnecting endpoints that outlive
// their containers (moby issue 42119 on dockerd 20.10) between attempts.
func removeNetwork(ctx context.Context, id string) error {
	var err error
	for range 5 {
		if _, err = docker(ctx, "network", "rm", id); err == nil {
			return nil
		}
		eps, ierr := docker(ctx, "network", "inspect", "--format", `{{range .Containers}}{{.Name}}{{"\n"}}{{end}}`, id)
		if ierr != nil {
			if strings.Contains(ierr.Error(), "No such network") || strings.Contains(ierr.Error(), "not found") {
				return nil
			}
			continue
		}
		for _, ep := range strings.Fields(eps) {
			_, _ = docker(ctx, "network", "disconnect", "-f", id, ep)
		}
		time.Sleep(500 * time.Millisecond)
	}
	return err
}

// saveArtifacts writes the engine state of a failed script's project to
// $STACK_E2E_ARTIFACTS/<script>/, for CI to keep.
func saveArtifacts(t testscript.T, script, project string) {
	root := os.Getenv("STACK_E2E_ARTIFACTS")
	if root == "" {
		return
	}
	dir := filepath.Join(root, script)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Log(fmt.Sprintf("artifacts: %v", err))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	filter := "label=" + projectLabel + "=" + project
	var b strings.Builder
	for _, args := range [][]string{
		{"ps", "-a", "--filter", filter},
		{"network", "ls", "--filter", filter},
		{"volume", "ls", "--filter", filter},
	} {
		out, err := docker(ctx, args...)
		fmt.Fprintf(&b, "$ docker %s\n%s", strings.Join(args, " "), out)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
		b.WriteString("\n")
	}
	_ = os.WriteFile(filepath.Join(dir, "engine.txt"), []byte(b.String()), 0o644)
	names, _ := docker(ctx, "ps", "-a", "--filter", filter, "--format", "{{.Names}}")
	for _, name := range strings.Fields(names) {
		logs, _ := dockerCombined(ctx, "logs", "--timestamps", name)
		inspect, _ := docker(ctx, "inspect", name)
		_ = os.WriteFile(filepath.Join(dir, name+".log"), []byte(logs), 0o644)
		_ = os.WriteFile(filepath.Join(dir, name+".json"), []byte(inspect), 0o644)
	}
	t.Log(fmt.Sprintf("engine state of %s saved in %s", project, dir))
}

// docker runs the docker CLI and returns its standard output; the error
// carries the first line of its standard error.
func docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, firstLine(stderr.String()))
	}
	return string(out), nil
}

// dockerCombined is docker with standard error merged into the output (for
// docker logs, which replays the container's stderr there).
func dockerCombined(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return string(out), err
}

// rows splits tab-separated CLI output into lines of exactly n fields.
func rows(out string, n int) [][]string {
	var rs [][]string
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.SplitN(line, "\t", n)
		for len(f) < n {
			f = append(f, "")
		}
		rs = append(rs, f)
	}
	return rs
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// sortedLines returns the non-empty lines of s, sorted.
func sortedLines(s string) []string {
	var ls []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	sort.Strings(ls)
	return ls
}

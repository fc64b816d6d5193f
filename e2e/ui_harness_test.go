package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rogpeppe/go-internal/testscript"
)

// What the stack ui test and benchmark share: a stack of their own, the
// stack ui process, and Debian's chromium driven through chromedp (the
// Chrome DevTools Protocol from Go: no Node.js at test time, and the test's
// assertions on engine state sit beside the clicks).

// uiProject is one stack under a test-unique project name, taken down
// when the test ends.
type uiProject struct {
	t       testing.TB
	bin     string
	dir     string
	name    string
	files   []string // in dir; default compose.yaml
	logFile *os.File
}

// fileArgs are the -f flags of the project's files.
func (p *uiProject) fileArgs() []string {
	files := p.files
	if len(files) == 0 {
		files = []string{"compose.yaml"}
	}
	var args []string
	for _, f := range files {
		args = append(args, "-f", filepath.Join(p.dir, f))
	}
	return args
}

// newUIProject writes compose into a temporary directory for a project
// named prefix-<random>, and registers its teardown.
func newUIProject(t testing.TB, bin, prefix, compose string, artifacts string) *uiProject {
	t.Helper()
	p := &uiProject{t: t, bin: bin, dir: t.TempDir(), name: prefix + "-" + randomSuffix(6)}
	if err := os.WriteFile(filepath.Join(p.dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(artifacts, "stack.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.logFile = f
	t.Cleanup(func() {
		if t.Failed() {
			saveArtifacts(tbT{t}, filepath.Base(artifacts), p.name)
		}
		if _, err := p.stack(3*time.Minute, "down", "-v", "-t", "0", "--remove-orphans"); err != nil {
			t.Logf("cleanup: stack down: %v", err)
		}
		cleanupProject(tbT{t}, p.name)
		f.Close()
	})
	return p
}

// tbT lets the cleanup helpers written for testscript run in a test or a
// benchmark.
type tbT struct{ testing.TB }

func (t tbT) Parallel()                             {}
func (t tbT) Verbose() bool                         { return testing.Verbose() }
func (t tbT) Run(name string, f func(testscript.T)) { f(t) }

// stack runs the binary under test on the project; output goes to the log
// in the artifacts.
func (p *uiProject) stack(limit time.Duration, args ...string) (string, error) {
	args = append(append(p.fileArgs(), "-p", p.name, "--progress", "plain"), args...)
	out, err := runStack(p.bin, p.dir, limit, p.logFile, args...)
	if err != nil {
		err = fmt.Errorf("%w\n%s", err, lastLines(out, 40))
	}
	return out, err
}

func (p *uiProject) stackOK(limit time.Duration, args ...string) string {
	p.t.Helper()
	out, err := p.stack(limit, args...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// uiServer is a running stack ui.
type uiServer struct {
	cmd    *exec.Cmd
	url    string // as printed, with the token
	base   string // scheme://host:port
	token  string
	mu     sync.Mutex
	stderr bytes.Buffer
}

func (s *uiServer) errors() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

type lockedWriter struct{ s *uiServer }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.stderr.Write(b)
}

// startUI starts stack ui on a free loopback port and waits for its
// address. It is interrupted (as Ctrl-C does) when the test ends, and its
// standard error must hold no crash.
func (p *uiProject) startUI(t testing.TB, artifacts string, args ...string) *uiServer {
	t.Helper()
	args = append(append(p.fileArgs(), "-p", p.name, "ui", "--addr", "127.0.0.1:0"), args...)
	cmd := exec.Command(p.bin, args...)
	cmd.Dir = p.dir
	cmd.Env = stackEnv()
	s := &uiServer{cmd: cmd}
	cmd.Stderr = lockedWriter{s}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stack ui: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			<-done
			t.Errorf("stack ui did not stop within 20s of an interrupt:\n%s", lastLines(s.errors(), 80))
		}
		_ = os.WriteFile(filepath.Join(artifacts, "stack-ui-"+fmt.Sprint(cmd.Process.Pid)+".log"), []byte(s.errors()), 0o644)
		if crashRE.MatchString(s.errors()) {
			t.Errorf("stack ui crashed:\n%s", lastLines(s.errors(), 80))
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "stack ui: "); ok {
				lines <- u
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case s.url = <-lines:
	case <-time.After(90 * time.Second):
		t.Fatalf("stack ui printed no address within 90s:\n%s", lastLines(s.errors(), 40))
	}
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatalf("stack ui printed a bad address %q: %v", s.url, err)
	}
	s.base = u.Scheme + "://" + u.Host
	s.token = u.Query().Get("token")
	return s
}

// newBrowser starts Debian's chromium headless with the flags of the
// WordPress test and a fresh profile; it ends with the test.
func newBrowser(t testing.TB, chromium string) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	stop := func() {
		cancel()
		acancel()
	}
	t.Cleanup(stop)
	// Start the browser now, so that its start-up is not billed to the
	// first step.
	if err := chromedp.Run(ctx); err != nil {
		stop()
		t.Fatalf("start chromium %s: %v", chromium, err)
	}
	return ctx, stop
}

// ensureUIAssets makes sure the graph layout library is in
// pkg/ui/assets/vendor before stack is built (make test does it first;
// a bare go test does it here, with npm).
func ensureUIAssets(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(repoRoot, "pkg", "ui", "assets", "vendor", "dagre.esm.js")); err == nil {
		return
	}
	out, err := exec.Command("bash", filepath.Join(repoRoot, "scripts", "ui-assets.sh")).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/ui-assets.sh (the page's graph library, from npm): %v\n%s", err, out)
	}
}

// uiArtifacts is $STACK_E2E_ARTIFACTS/name (default e2e/artifacts/name),
// emptied.
func uiArtifacts(t testing.TB, name string) string {
	t.Helper()
	root := os.Getenv("STACK_E2E_ARTIFACTS")
	if root == "" {
		root = "artifacts"
	}
	dir, err := filepath.Abs(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

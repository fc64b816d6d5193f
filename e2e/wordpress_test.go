package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The slow end-to-end test of examples/wordpress: the README's main job
// (`make demo`) done by the built binary on a real engine, checked from the
// outside with HTTP, SQL and a real browser.
//
// It runs when STACK_E2E_SLOW or STACK_E2E_REQUIRED is set (`make test` sets
// the latter, `make e2e-wordpress` the former) and takes about a minute with
// the images built, about six on a fresh machine (ten at most): the Debian
// base image (scripts/base-image.sh), both example images (stack up --build)
// and Debian's chromium package, installed with apt-get when no browser is
// found (set STACK_E2E_CHROMIUM to use another Chromium or Chrome binary).
//
// The screenshot and the DOM the browser saw are kept in
// $STACK_E2E_ARTIFACTS/wordpress/ (default e2e/artifacts/wordpress/), with
// the output of every stack command; on failure also the engine state and
// the container logs.

const (
	// wpBaseImage is the image the example's Dockerfiles start FROM.
	wpBaseImage = "stack-examples/debian:bookworm"
	// wpUpTimeout bounds the first up, which builds the images on a fresh
	// machine (apt-get in two builds).
	wpUpTimeout = 15 * time.Minute
	// wpStackTimeout bounds every other stack command.
	wpStackTimeout = 5 * time.Minute
	// wpWaitTimeout is up's --wait-timeout in seconds: MariaDB initialises
	// its datadir, wp-init installs the site, Apache starts.
	wpWaitTimeout = "300"
	// wpHTTPWait is how long a page may take to show what is expected.
	wpHTTPWait = time.Minute
	// wpBrowserTimeout bounds one headless Chromium run.
	wpBrowserTimeout = 2 * time.Minute
	// wpInstallTimeout bounds installing the browser with apt-get.
	wpInstallTimeout = 10 * time.Minute
)

// wpDBError is what WordPress prints when it cannot reach its database.
const wpDBError = "Error establishing a database connection"

// wordpress is one run of the example under its own project name.
type wordpress struct {
	t         *testing.T
	bin       string // stack binary under test
	dir       string // copy of examples/wordpress with its own .env
	project   string // wpe2e-<random>
	port      int    // WORDPRESS_PORT
	env       map[string]string
	artifacts string // where the screenshot and command logs go
	log       *os.File
}

func TestWordPress(t *testing.T) {
	if testing.Short() {
		t.Skip("slow end-to-end test skipped in -short mode")
	}
	if os.Getenv("STACK_E2E_SLOW") == "" && os.Getenv("STACK_E2E_REQUIRED") == "" {
		t.Skip("slow (builds images, installs chromium): set STACK_E2E_SLOW=1 (make e2e-wordpress) or STACK_E2E_REQUIRED=1 (make test)")
	}
	if err := engineAnswers(); err != nil {
		t.Fatalf("Docker Engine unreachable: %v (run scripts/engine.sh)", err)
	}
	begin := time.Now()

	// The browser is installed while the images build: both mostly wait
	// on the Debian mirror.
	browser := startBrowserInstall(t)

	w := &wordpress{t: t, bin: stackBinary(t), project: "wpe2e-" + randomSuffix(6)}
	w.setupArtifacts()
	w.setupDir()
	t.Cleanup(w.cleanup)

	w.step("base image "+wpBaseImage, func() {
		ctx, cancel := context.WithTimeout(context.Background(), w.budget(wpInstallTimeout))
		defer cancel()
		out, err := exec.CommandContext(ctx, "bash", filepath.Join(repoRoot, "scripts", "base-image.sh"), wpBaseImage).CombinedOutput()
		if err != nil {
			t.Fatalf("scripts/base-image.sh: %v\n%s", err, out)
		}
	})

	// First start: builds the images (a no-op when the build cache has
	// them), creates the database, wp-init installs the site.
	w.step("up -d --build --wait", func() {
		w.stackOK(wpUpTimeout, "up", "-d", "--build", "--wait", "--wait-timeout", wpWaitTimeout)
	})
	w.checkRunning()
	title := w.env["WORDPRESS_TITLE"]
	w.step("home page and its assets", func() {
		w.checkAssets(w.getPage("/", title))
	})

	// A post written straight into the database, seen by WordPress.
	post := "Survivor " + randomSuffix(8)
	slug := strings.ToLower(strings.ReplaceAll(post, " ", "-"))
	w.step("insert a post with stack exec db mariadb", func() {
		w.sql(fmt.Sprintf("INSERT INTO wp_posts (post_author, post_date, post_date_gmt, post_content,"+
			" post_title, post_excerpt, post_status, comment_status, ping_status, post_name, to_ping,"+
			" pinged, post_modified, post_modified_gmt, post_content_filtered, post_type, guid)"+
			" VALUES (1, NOW(), UTC_TIMESTAMP(), '<p>Written by TestWordPress through stack exec.</p>',"+
			" '%s', '', 'publish', 'closed', 'closed', '%s', '', '', NOW(), UTC_TIMESTAMP(), '',"+
			" 'post', '')", post, slug))
		w.getPage("/", post)
		w.getPage("/"+slug+"/", post) // pretty permalinks: Apache's rewrite rules work
	})

	// The backup job, run by the agent at its (seconds-level) schedule:
	// a dump of the database, post included, in the backups volume.
	w.step("agent runs the backup job", func() { w.checkBackup(post) })

	// down keeps the volumes: the next up finds the same database.
	w.step("down", func() {
		w.stackOK(wpStackTimeout, "down")
	})
	w.step("down left the volumes, nothing else", func() {
		if got := w.objects("container"); len(got) > 0 {
			t.Fatalf("containers left after down: %q", got)
		}
		if got := w.objects("network"); len(got) > 0 {
			t.Fatalf("networks left after down: %q", got)
		}
		vols := strings.Join(w.objects("volume"), " ")
		for _, v := range []string{w.project + "_db-data", w.project + "_wp-content"} {
			if !strings.Contains(vols, v) {
				t.Fatalf("down removed volume %s (volumes left: %q)", v, vols)
			}
		}
	})
	w.step("up -d --wait (again)", func() {
		w.stackOK(wpStackTimeout, "up", "-d", "--wait", "--wait-timeout", wpWaitTimeout)
	})
	w.checkRunning()
	w.step("the post survived", func() {
		got := strings.TrimSpace(w.sql("SELECT post_title FROM wp_posts WHERE post_name = '" + slug + "'"))
		if got != post {
			t.Fatalf("after down and up, the post %q reads %q", slug, got)
		}
		w.getPage("/", post)
	})

	// A real browser on the published port.
	w.step("chromium: screenshot and DOM", func() {
		chromium := browser.wait(t)
		url := w.url("/")
		shot := filepath.Join(w.artifacts, "wordpress.png")
		w.chromium(chromium, "--screenshot="+shot, url)
		png, err := os.ReadFile(shot)
		if err != nil {
			t.Fatalf("chromium wrote no screenshot: %v", err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10<<10 {
			t.Fatalf("screenshot %s is not a PNG of a rendered page (%d bytes)", shot, len(png))
		}
		dom := w.chromium(chromium, "--dump-dom", url)
		_ = os.WriteFile(filepath.Join(w.artifacts, "wordpress-dom.html"), []byte(dom), 0o644)
		m := regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("the page chromium loaded has no <title> (DOM in %s)", w.artifacts)
		}
		if got := strings.TrimSpace(m[1]); !strings.Contains(got, title) {
			t.Fatalf("chromium's page title is %q, want it to contain the site title %q", got, title)
		}
		for _, want := range []string{post, "wp-content"} {
			if !strings.Contains(dom, want) {
				t.Fatalf("the DOM chromium built does not contain %q (DOM in %s)", want, w.artifacts)
			}
		}
		t.Logf("screenshot: %s (title %q)", shot, strings.TrimSpace(m[1]))
	})

	w.step("down -v", func() {
		w.stackOK(wpStackTimeout, "down", "-v")
		var left []string
		for _, kind := range []string{"container", "network", "volume"} {
			for _, o := range w.objects(kind) {
				left = append(left, kind+" "+o)
			}
		}
		if len(left) > 0 {
			t.Fatalf("down -v left: %s", strings.Join(left, ", "))
		}
	})
	t.Logf("total %s", time.Since(begin).Round(time.Second))
}

// checkBackup runs the agent until the backup job has run once with exit
// code 0, then reads the newest dump in the backups volume and looks for
// the post in it.
func (w *wordpress) checkBackup(post string) {
	t := w.t
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	agent := exec.CommandContext(ctx, w.bin, "-f", filepath.Join(w.dir, "compose.yaml"), "-p", w.project, "--progress", "plain", "agent")
	agent.Dir, agent.Env = w.dir, stackEnv()
	agent.Cancel = func() error { return agent.Process.Signal(os.Interrupt) }
	agent.WaitDelay = 30 * time.Second
	var log bytes.Buffer
	agent.Stdout, agent.Stderr = &log, &log
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			_ = agent.Wait()
			fmt.Fprintf(w.log, "$ stack agent (in the background)\n%s\n", log.String())
		}
	}
	defer stop()
	deadline := time.Now().Add(w.budget(wpStackTimeout))
	for {
		out := w.stackOK(wpStackTimeout, "jobs", "--format", "json")
		var jobs []struct {
			Service string
			Runs    []struct {
				Container string
				ExitCode  *int `json:"exit_code"`
			}
		}
		if err := json.Unmarshal([]byte(out), &jobs); err != nil {
			t.Fatalf("stack jobs --format json: %v\n%s", err, out)
		}
		done := false
		for _, j := range jobs {
			for _, r := range j.Runs {
				if j.Service == "backup" && r.ExitCode != nil {
					if *r.ExitCode != 0 {
						logs, _ := w.stack(wpStackTimeout, "logs", "backup")
						t.Fatalf("backup run %s exited with %d:\n%s", r.Container, *r.ExitCode, lastLines(logs, 30))
					}
					done = true
				}
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no backup run finished; agent log:\n%s", lastLines(log.String(), 40))
		}
		time.Sleep(time.Second)
	}
	stop()
	if out := w.stackOK(wpStackTimeout, "logs", "backup"); !strings.Contains(out, "backup: /backups/wordpress-") {
		t.Fatalf("stack logs backup does not show the run's output:\n%s", lastLines(out, 20))
	}
	rctx, rcancel := context.WithTimeout(context.Background(), engineTimeout)
	defer rcancel()
	dump, err := docker(rctx, "run", "--rm", "--name", w.project+"-backup-check", "--label", projectLabel+"="+w.project,
		"-v", w.project+"_backups:/backups:ro", "--entrypoint", "sh", "stack-examples/wordpress-db:latest",
		"-c", `zcat "$(ls -t /backups/*.sql.gz | head -n 1)"`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dump, "CREATE TABLE `wp_posts`") || !strings.Contains(dump, post) {
		t.Fatalf("the newest dump (%d bytes) lacks wp_posts or the post %q", len(dump), post)
	}
}

// step runs one stage of the test and logs how long it took.
func (w *wordpress) step(name string, f func()) {
	w.t.Helper()
	start := time.Now()
	fmt.Fprintf(w.log, "\n### %s\n", name)
	f()
	w.t.Logf("%-45s %s", name, time.Since(start).Round(100*time.Millisecond))
}

// setupArtifacts picks the artifacts directory: $STACK_E2E_ARTIFACTS/wordpress
// or e2e/artifacts/wordpress; saveArtifacts (on failure) writes there too.
func (w *wordpress) setupArtifacts() {
	t := w.t
	root := os.Getenv("STACK_E2E_ARTIFACTS")
	if root == "" {
		root = "artifacts" // e2e/artifacts, gitignored
		t.Setenv("STACK_E2E_ARTIFACTS", mustAbs(t, root))
	}
	w.artifacts = filepath.Join(root, "wordpress")
	if err := os.RemoveAll(w.artifacts); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(w.artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	w.artifacts = mustAbs(t, w.artifacts)
	f, err := os.Create(filepath.Join(w.artifacts, "stack.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w.log = f
}

func mustAbs(t *testing.T, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// setupDir copies examples/wordpress (without a local .env) into a temporary
// directory and writes its .env: .env.example with a free port, a title and
// passwords of this run.
func (w *wordpress) setupDir() {
	t := w.t
	src := filepath.Join(repoRoot, "examples", "wordpress")
	w.dir = filepath.Join(t.TempDir(), "wordpress")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		dst := filepath.Join(w.dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if rel == ".env" || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}

	w.port = freePort(t)
	suffix := randomSuffix(6)
	set := map[string]string{
		"WORDPRESS_HOST_IP":        "127.0.0.1",
		"WORDPRESS_PORT":           strconv.Itoa(w.port),
		"WORDPRESS_URL":            "",
		"WORDPRESS_TITLE":          "Stack E2E " + suffix,
		"MARIADB_PASSWORD":         "db-" + randomSuffix(12),
		"MARIADB_ROOT_PASSWORD":    "root-" + randomSuffix(12),
		"WORDPRESS_ADMIN_PASSWORD": "admin-" + randomSuffix(12),
		// The nightly backup, every few seconds for the test.
		"BACKUP_SCHEDULE": "@every 3s",
	}
	example, err := os.ReadFile(filepath.Join(src, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{}
	var out strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(example))
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, "=")
		if ok && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			k = strings.TrimSpace(k)
			if nv, ok := set[k]; ok {
				v = nv
				delete(set, k)
			}
			w.env[k] = v
			line = k + "=" + v
		}
		out.WriteString(line + "\n")
	}
	for k, v := range set { // not in .env.example (any more)
		w.env[k] = v
		fmt.Fprintf(&out, "%s=%s\n", k, v)
	}
	if err := os.WriteFile(filepath.Join(w.dir, ".env"), []byte(out.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"MARIADB_DATABASE", "MARIADB_USER", "WORDPRESS_TITLE"} {
		if w.env[k] == "" {
			t.Fatalf("examples/wordpress/.env.example sets no %s", k)
		}
	}
	t.Logf("project %s on http://127.0.0.1:%d/ from %s", w.project, w.port, w.dir)
}

// freePort returns a TCP port that is free on 127.0.0.1 right now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (w *wordpress) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", w.port, path)
}

// cleanup takes the project down whatever happened, then removes by label
// anything stack left; on failure the engine state is saved first.
func (w *wordpress) cleanup() {
	if w.t.Failed() {
		saveArtifacts(tsT{w.t}, "wordpress", w.project)
	}
	if _, err := w.stack(2*time.Minute, "down", "-v", "-t", "0", "--remove-orphans"); err != nil {
		w.t.Logf("cleanup: stack down -v: %v", err)
	}
	cleanupProject(tsT{w.t}, w.project)
	removeDanglingImages(w.t, "wpe2e-")
}

// removeDanglingImages removes the untagged images built for projects named
// prefix*. up --build labels each image with its project (as Compose does),
// so every run of this test tags stack-examples/wordpress anew and leaves
// the previous run's image untagged: tiny label layers, but they pile up in
// docker images. An image still used by a container is left alone.
func removeDanglingImages(t *testing.T, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids, err := docker(ctx, "image", "ls", "-q", "--no-trunc", "--filter", "dangling=true", "--filter", "label="+projectLabel)
	if err != nil || strings.TrimSpace(ids) == "" {
		return
	}
	out, err := docker(ctx, append([]string{"image", "inspect", "--format",
		`{{.Id}}{{"\t"}}{{index .Config.Labels "` + projectLabel + `"}}`}, strings.Fields(ids)...)...)
	if err != nil {
		return
	}
	for _, f := range rows(out, 2) {
		if strings.HasPrefix(f[1], prefix) {
			if _, err := docker(ctx, "rmi", f[0]); err == nil {
				t.Logf("cleanup: removed untagged image %.19s of project %s", f[0], f[1])
			}
		}
	}
}

// stack runs the binary under test in the example's directory with the
// example's file and this run's project name. Its output goes to stack.log
// in the artifacts; a run longer than limit is stopped with SIGQUIT (a
// goroutine dump). A crash report in the output is an error.
func (w *wordpress) stack(limit time.Duration, args ...string) (string, error) {
	args = append([]string{"-f", filepath.Join(w.dir, "compose.yaml"), "-p", w.project, "--progress", "plain"}, args...)
	return runStack(w.bin, w.dir, w.budget(limit), w.log, args...)
}

// runStack runs bin with args in dir, writes the command and its output
// to log, and stops it with SIGQUIT (a goroutine dump) after limit. A
// crash report in the output is an error.
func runStack(bin, dir string, limit time.Duration, log io.Writer, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = stackEnv()
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	line := "stack " + strings.Join(args, " ")
	fmt.Fprintf(log, "$ %s\n%s[%s, %v]\n", line, out.String(), time.Since(start).Round(100*time.Millisecond), err)
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("%s: did not finish within %s; stopped with SIGQUIT", line, limit)
	case crashRE.Match(out.Bytes()):
		err = fmt.Errorf("%s: crashed", line)
	case err != nil:
		err = fmt.Errorf("%s: %v", line, err)
	}
	return out.String(), err
}

// budget shortens d so that a command stopped at its limit still leaves the
// cleanup time to run before go test's -timeout panics (which would leak the
// project's containers and volumes).
func (w *wordpress) budget(d time.Duration) time.Duration {
	deadline, ok := w.t.Deadline()
	if !ok {
		return d
	}
	left := time.Until(deadline) - 2*time.Minute
	if left < 10*time.Second {
		left = 10 * time.Second
	}
	return min(d, left)
}

// stackEnv is the test's environment without the COMPOSE_ variables that
// could select other files, profiles or projects.
func stackEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COMPOSE_") {
			env = append(env, kv)
		}
	}
	return env
}

// stackOK runs stack and fails the test with the end of its output if it
// fails.
func (w *wordpress) stackOK(limit time.Duration, args ...string) string {
	w.t.Helper()
	out, err := w.stack(limit, args...)
	if err != nil {
		w.t.Fatalf("%v\n%s\n(full output: %s)", err, lastLines(out, 60), filepath.Join(w.artifacts, "stack.log"))
	}
	return out
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// sql runs a statement as the application user in the db container through
// stack exec and returns its output (no column names).
func (w *wordpress) sql(stmt string) string {
	w.t.Helper()
	return w.stackOK(wpStackTimeout, "exec", "-T", "db", "mariadb", "-N", "-B",
		"-u"+w.env["MARIADB_USER"], "-p"+w.env["MARIADB_PASSWORD"], w.env["MARIADB_DATABASE"], "-e", stmt)
}

// checkRunning asserts that db and wordpress run (healthy) and that wp-init
// ran to completion, as up --wait promised.
func (w *wordpress) checkRunning() {
	t := w.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	want := map[string]string{
		"db":        "running healthy",
		"wp-init":   "exited 0",
		"wordpress": "running healthy",
	}
	for svc, state := range want {
		name := w.project + "-" + svc + "-1"
		out, err := docker(ctx, "inspect", "--format",
			`{{.State.Status}} {{if eq .State.Status "exited"}}{{.State.ExitCode}}{{else if .State.Health}}{{.State.Health.Status}}{{end}}`, name)
		if err != nil {
			t.Fatalf("after up --wait: %v", err)
		}
		if got := strings.TrimSpace(out); got != state {
			t.Fatalf("after up --wait, %s is %q, want %q", name, got, state)
		}
	}
}

// getPage fetches a page of the site until it is WordPress's and contains
// want, within wpHTTPWait. WordPress's database error page fails at once.
func (w *wordpress) getPage(path, want string) string {
	t := w.t
	t.Helper()
	url := w.url(path)
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	var body string
	var err error
	deadline := time.Now().Add(wpHTTPWait)
	for {
		body, err = fetch(client, url)
		if strings.Contains(body, wpDBError) {
			t.Fatalf("GET %s: WordPress cannot reach its database:\n%s", url, lastLines(body, 20))
		}
		if err == nil {
			switch {
			case !strings.Contains(body, "/wp-content/") && !strings.Contains(body, "/wp-includes/"):
				err = errors.New("not a WordPress page (no /wp-content/ or /wp-includes/ link)")
			case strings.Contains(body, "wp-admin/install.php") || strings.Contains(body, "<title>WordPress &rsaquo; Installation"):
				err = errors.New("WordPress's installer, but wp-init should have installed the site")
			case !strings.Contains(body, want):
				err = fmt.Errorf("no %q in the page", want)
			}
		}
		if err == nil {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v (tried for %s)\n%s", url, err, wpHTTPWait, lastLines(body, 30))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// assetRE finds the stylesheets and scripts a page links to.
var assetRE = regexp.MustCompile(`<(?:link[^>]*rel=['"]stylesheet['"][^>]*href|script[^>]*src)=['"]([^'"]+)['"]`)

// checkAssets fetches the stylesheets and scripts that page links to on the
// site (Apache serves /wp-includes and /wp-content): a page without them is
// not the page a browser shows.
func (w *wordpress) checkAssets(page string) {
	t := w.t
	t.Helper()
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	n := 0
	for _, m := range assetRE.FindAllStringSubmatch(page, -1) {
		url := strings.ReplaceAll(m[1], "&#038;", "&")
		if !strings.HasPrefix(url, w.url("/")) {
			continue // another host: not ours to check
		}
		var err error
		for try := 0; try < 3; try++ {
			if _, err = fetch(client, url); err == nil {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			t.Fatalf("the home page links to %s: %v", url, err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("the home page links to no stylesheet or script on %s", w.url("/"))
	}
}

// fetch GETs url (following redirects) and returns the body; a status other
// than 2xx is an error.
func fetch(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return string(b), err
	}
	if resp.StatusCode/100 != 2 {
		return string(b), fmt.Errorf("status %s", resp.Status)
	}
	return string(b), nil
}

// objects lists the containers, networks or volumes (kind) labelled with the
// project or named after it.
func (w *wordpress) objects(kind string) []string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lf := `{{.Label "` + projectLabel + `"}}`
	var args []string
	switch kind {
	case "container":
		args = []string{"ps", "-a", "--format", "{{.Names}}\t" + lf}
	case "network":
		args = []string{"network", "ls", "--format", "{{.Name}}\t" + lf}
	case "volume":
		args = []string{"volume", "ls", "--format", "{{.Name}}\t" + lf}
	}
	out, err := docker(ctx, args...)
	if err != nil {
		w.t.Fatal(err)
	}
	var names []string
	for _, f := range rows(out, 2) {
		if f[1] == w.project || strings.Contains(f[0], w.project) {
			names = append(names, f[0])
		}
	}
	return names
}

// chromium runs headless Chromium on the site with a fresh profile and
// returns its standard output. Chromium and its helpers run in their own
// process group, killed as a whole if they outlive wpBrowserTimeout.
func (w *wordpress) chromium(bin string, args ...string) string {
	t := w.t
	t.Helper()
	profile, err := os.MkdirTemp("", "stack-e2e-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	args = append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-quic", "--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--log-level=3", "--user-data-dir=" + profile,
		"--window-size=1280,900",
		// Let the page settle (fonts, scripts) before the screenshot or DOM.
		"--virtual-time-budget=5000",
	}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), wpBrowserTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err = cmd.Run()
	// Helpers left behind by a browser that exited are ours to end too.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	fmt.Fprintf(w.log, "$ %s %s\n%s[%v]\n", bin, strings.Join(args, " "), lastLines(stderr.String(), 20), err)
	if ctx.Err() != nil {
		t.Fatalf("chromium %s: did not finish within %s", strings.Join(args, " "), wpBrowserTimeout)
	}
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, lastLines(stderr.String(), 20))
	}
	return stdout.String()
}

// browserInstall finds or installs Chromium in the background.
type browserInstall struct {
	done chan struct{}
	path string
	err  error
}

func startBrowserInstall(t *testing.T) *browserInstall {
	b := &browserInstall{done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.path, b.err = findOrInstallChromium()
	}()
	// Never leave apt-get running (or kill it half way through dpkg).
	t.Cleanup(func() { <-b.done })
	return b
}

func (b *browserInstall) wait(t *testing.T) string {
	t.Helper()
	<-b.done
	if b.err != nil {
		t.Fatalf("no browser for the screenshot: %v", b.err)
	}
	return b.path
}

// findOrInstallChromium returns $STACK_E2E_CHROMIUM, or chromium from PATH,
// installing Debian's chromium package with apt-get when it is missing.
func findOrInstallChromium() (string, error) {
	if p := os.Getenv("STACK_E2E_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("STACK_E2E_CHROMIUM: %v", err)
		}
		return p, nil
	}
	find := func() (string, error) {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				return p, nil
			}
		}
		return "", errors.New("chromium not found in PATH")
	}
	if p, err := find(); err == nil {
		return p, nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errors.New("chromium not found in PATH and no apt-get to install it: install Chromium, or set STACK_E2E_CHROMIUM to a Chromium or Chrome binary")
	}
	if os.Geteuid() != 0 {
		return "", errors.New("chromium not found in PATH; installing it needs root: apt-get install chromium (or set STACK_E2E_CHROMIUM)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), wpInstallTimeout)
	defer cancel()
	apt := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "apt-get", append([]string{"-q", "-o", "DPkg::Lock::Timeout=300"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	install := []string{"install", "-y", "--no-install-recommends", "chromium"}
	if out, err := apt(install...); err != nil {
		// A fresh machine may have stale or no package lists.
		if uout, uerr := apt("update"); uerr != nil {
			return "", fmt.Errorf("apt-get install chromium: %v\n%s\napt-get update: %v\n%s", err, lastLines(string(out), 15), uerr, lastLines(string(uout), 15))
		}
		if out, err := apt(install...); err != nil {
			return "", fmt.Errorf("apt-get install chromium: %v\n%s", err, lastLines(string(out), 20))
		}
	}
	return find()
}

// tsT lets the cleanup helpers written for testscript run on a *testing.T.
type tsT struct{ *testing.T }

func (t tsT) Run(name string, f func(testscript.T)) {
	t.T.Run(name, func(t *testing.T) { f(tsT{t}) })
}

func (t tsT) Verbose() bool { return testing.Verbose() }

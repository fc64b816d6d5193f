package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUI drives stack ui in headless chromium on a six-service stack with a
// healthcheck and a link: the graph's nodes, edges and states; stop from
// the page and the node turning exited, which stack ps confirms; up from
// the page with its plan shown first; a log line printed after the page
// loaded; requests without the token refused, changing nothing; and down
// from the page, its plan first.
// Screenshots of the graph, the plan, the timeline and the logs are kept in
// $STACK_E2E_ARTIFACTS/ui/. It runs beside the other end-to-end groups
// (t.Parallel) and takes about a minute once stack is built.
func TestUI(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	t.Parallel()
	if err := engineAnswers(); err != nil {
		if os.Getenv("STACK_E2E_REQUIRED") == "" {
			t.Skipf("Docker Engine unreachable (%v); set STACK_E2E_REQUIRED=1 to fail instead", err)
		}
		t.Fatalf("Docker Engine unreachable: %v (run scripts/engine.sh)", err)
	}
	browser := startBrowserInstall(t)
	ensureUIAssets(t)
	bin := stackBinary(t)
	ensureImage(t)
	art := uiArtifacts(t, "ui")

	p := newUIProject(t, bin, "uie2e", uiTestStack, art)
	p.stackOK(3*time.Minute, "up", "-d", "--wait", "--wait-timeout", "120")
	srv := p.startUI(t, art)
	ctx, _ := newBrowser(t, browser.wait(t))
	page := &uiPage{t: t, ctx: ctx, art: art}

	// The graph: six nodes, the edges with their conditions, the states.
	page.run("open the page", chromedp.Navigate(srv.url))
	page.waitJS("the graph is drawn", `document.body.dataset.graph === 'ready'`, 30*time.Second)
	page.waitJS("six nodes, each in its state", `(() => {
		const st = n => (document.querySelector('#graph g.node[data-service="' + n + '"]') || {dataset: {}}).dataset.state;
		return document.querySelectorAll('#graph g.node').length === 6 && st('db') === 'healthy' &&
			['cache', 'api', 'web', 'worker', 'ticker'].every(n => st(n) === 'running');
	})()`, 20*time.Second)
	var edges []string
	page.run("read the edges", chromedp.Evaluate(`[...document.querySelectorAll('#graph g.edge')].map(e =>
		e.dataset.from + '->' + e.dataset.to + ' ' + e.dataset.condition + ' ' + e.dataset.kind)`, &edges))
	sort.Strings(edges)
	want := []string{
		"api->cache service_started links",
		"api->db service_healthy depends_on",
		"ticker->cache service_started depends_on",
		"web->api service_started depends_on",
		"worker->db service_healthy depends_on",
	}
	if strings.Join(edges, "\n") != strings.Join(want, "\n") {
		t.Fatalf("graph edges:\n%s\nwant:\n%s", strings.Join(edges, "\n"), strings.Join(want, "\n"))
	}
	var labels []string
	page.run("read the edge labels", chromedp.Evaluate(`[...document.querySelectorAll('#graph g.edge text:not(.bg)')].map(e => e.textContent)`, &labels))
	if !strings.Contains(strings.Join(labels, "|"), "healthy") || !strings.Contains(strings.Join(labels, "|"), "links") {
		t.Errorf("edge labels %q lack the healthy condition or the links kind", labels)
	}
	page.waitJS("web's published port is a link", `!!document.querySelector('#graph g.node[data-service="web"] a[data-port]')`, 10*time.Second)
	page.shot("graph.png")

	// Stop one service from its panel: its node turns exited, and stack ps
	// says the same.
	page.run("select worker", chromedp.Click(`#graph g.node[data-service="worker"] text.name`, chromedp.ByQuery))
	page.run("click stop", chromedp.Click(`#panel button[data-action="stop"]`, chromedp.ByQuery))
	page.waitJS("worker's node turns exited", `document.querySelector('#graph g.node[data-service="worker"]').dataset.state === 'exited'`, 20*time.Second)
	if got := p.psState(t, "worker"); got != "exited" {
		t.Fatalf("after stop from the page, stack ps says worker is %q, want exited", got)
	}
	page.shot("graph-stopped.png")

	// Up: the plan first (start the stopped container), then applied.
	page.run("click up", chromedp.Click(`#btn-up`, chromedp.ByQuery))
	page.waitJS("the plan is shown", `document.querySelector('#plan-dialog').open`, 20*time.Second)
	var steps []string
	page.run("read the plan", chromedp.Evaluate(`[...document.querySelectorAll('#plan-steps tr')].filter(r => !['keep', 'check', 'note'].includes(r.dataset.act)).map(r => r.dataset.act + ' ' + r.dataset.name)`, &steps))
	if strings.Join(steps, ",") != "start "+p.name+"-worker-1" {
		t.Fatalf("the plan of up lists %q, want only: start %s-worker-1", steps, p.name)
	}
	page.shot("plan.png")
	page.run("apply the plan", chromedp.Click(`#plan-apply`, chromedp.ByQuery))
	page.waitJS("worker's node runs again", `document.querySelector('#graph g.node[data-service="worker"]').dataset.state === 'running'`, 30*time.Second)
	if got := p.psState(t, "worker"); got != "running" {
		t.Fatalf("after up from the page, stack ps says worker is %q, want running", got)
	}

	// Logs: a line printed after the page loaded shows up while following.
	page.run("open the logs", chromedp.Click(`nav [data-tab="logs"]`, chromedp.ByQuery))
	page.waitJS("the last lines are read", `document.querySelectorAll('#logs .ln').length > 0`, 20*time.Second)
	marker := "ui-e2e-marker-" + randomSuffix(8)
	if out, err := docker(context.Background(), "exec", p.name+"-api-1", "sh", "-c", "echo "+marker+" > /proc/1/fd/1"); err != nil {
		t.Fatalf("print a line in api: %v\n%s", err, out)
	}
	page.waitJS("the new line is shown", fmt.Sprintf(`[...document.querySelectorAll('#logs .ln')].some(r => r.textContent.includes(%q))`, marker), 20*time.Second)
	page.run("filter on it", chromedp.SendKeys(`#logs-find`, marker, chromedp.ByQuery))
	page.waitJS("only that line matches", `document.querySelectorAll('#logs .ln:not(.hide)').length === 1`, 5*time.Second)
	page.run("clear the filter", chromedp.Evaluate(`(() => { const f = document.querySelector('#logs-find'); f.value = ''; f.dispatchEvent(new Event('input')); })()`, nil))
	page.shot("logs.png")

	// The start timeline: a bar per container.
	page.run("open the timeline", chromedp.Click(`nav [data-tab="timeline"]`, chromedp.ByQuery))
	page.waitJS("six bars", `document.body.dataset.timeline === 'ready' && document.querySelectorAll('#timeline .tl-row').length === 6`, 20*time.Second)
	page.shot("timeline.png")

	// Without the token (or with it from another origin) nothing changes.
	stop := srv.base + "/api/p/" + p.name + "/services/web/stop"
	for _, c := range []struct {
		what   string
		header map[string]string
	}{
		{"no token", nil},
		{"a wrong token", map[string]string{"X-Stack-Token": "not-the-token-at-all"}},
		{"the token from another origin", map[string]string{"X-Stack-Token": srv.token, "Origin": "http://evil.example"}},
	} {
		if code := post(t, stop, c.header); code != http.StatusForbidden {
			t.Errorf("POST %s with %s: status %d, want 403", stop, c.what, code)
		}
	}
	if code := get(t, srv.base+"/api/projects", nil); code != http.StatusForbidden {
		t.Errorf("GET /api/projects without the token: status %d, want 403", code)
	}
	time.Sleep(time.Second) // a stop that got through would have begun by now
	if got := p.psState(t, "web"); got != "running" {
		t.Fatalf("after refused requests, web is %q, want running", got)
	}

	// --read-only: the same request with the token is refused too.
	ro := p.startUI(t, art, "--read-only")
	if code := post(t, ro.base+"/api/p/"+p.name+"/services/web/stop", map[string]string{"X-Stack-Token": ro.token}); code != http.StatusForbidden {
		t.Errorf("stop on a --read-only ui: status %d, want 403", code)
	}
	if got := p.psState(t, "web"); got != "running" {
		t.Fatalf("after a refused stop on the read-only ui, web is %q, want running", got)
	}

	// Down: its plan removes the six containers; applied, none is left.
	page.run("open the graph", chromedp.Click(`nav [data-tab="graph"]`, chromedp.ByQuery))
	page.run("click down", chromedp.Click(`#btn-down`, chromedp.ByQuery))
	page.waitJS("the plan of down is shown", `document.querySelector('#plan-dialog').open &&
		document.querySelectorAll('#plan-steps tr[data-act="remove"]').length >= 6`, 20*time.Second)
	page.shot("plan-down.png")
	page.run("apply it", chromedp.Click(`#plan-apply`, chromedp.ByQuery))
	page.waitJS("every node is not created", `[...document.querySelectorAll('#graph g.node')].every(n => n.dataset.state === 'none')`, 60*time.Second)
	// The network goes last: the cleanup's own down must not race it.
	page.waitJS("down is done", `[...window.stackUI.actions.values()].some(a => a.info.verb === 'down' && a.info.state === 'done')`, 60*time.Second)
	if out := strings.TrimSpace(p.stackOK(time.Minute, "ps", "-a", "-q")); out != "" {
		t.Fatalf("after down from the page, stack ps -a lists:\n%s", out)
	}
}

// uiTestStack has six services: a healthcheck (db), a link (api to cache),
// a published port (web), x-link-priority (db) and a chatty one (ticker).
const uiTestStack = `services:
  db:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo db starting; sleep 1; touch /tmp/ready; echo db ready; sleep 3600 & wait"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 1s
      retries: 30
    x-link-priority: 10
  cache:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo cache up; sleep 3600 & wait"]
  api:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo api serving; sleep 3600 & wait"]
    depends_on:
      db: {condition: service_healthy}
    links: [cache]
  web:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; echo hello > /www/index.html; httpd -f -p 8080 -h /www & wait"]
    ports: ["127.0.0.1::8080"]
    depends_on: [api]
  worker:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo worker; sleep 3600 & wait"]
    depends_on:
      db: {condition: service_healthy}
  ticker:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; i=0; while true; do i=$$((i+1)); echo tick $$i; sleep 1; done"]
    depends_on: [cache]
`

// psState is the state stack ps -a gives the service's first container.
func (p *uiProject) psState(t testing.TB, service string) string {
	t.Helper()
	out := p.stackOK(time.Minute, "ps", "-a", "--format", "json", service)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var c struct{ Service, State string }
		if json.Unmarshal([]byte(line), &c) == nil && c.Service == service {
			return c.State
		}
	}
	t.Fatalf("stack ps -a %s lists no container:\n%s", service, out)
	return ""
}

// uiPage runs steps in the browser, failing the test with a screenshot.
type uiPage struct {
	t   testing.TB
	ctx context.Context
	art string
}

func (pg *uiPage) run(what string, actions ...chromedp.Action) {
	pg.t.Helper()
	ctx, cancel := context.WithTimeout(pg.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		pg.failShot()
		pg.t.Fatalf("%s: %v", what, err)
	}
}

// waitJS waits until expr is true in the page.
func (pg *uiPage) waitJS(what, expr string, limit time.Duration) {
	pg.t.Helper()
	ctx, cancel := context.WithTimeout(pg.ctx, limit)
	defer cancel()
	var ok bool
	if err := chromedp.Run(ctx, chromedp.Poll(expr, &ok, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		pg.failShot()
		pg.t.Fatalf("%s: not within %s (%v); screenshot in %s", what, limit, err, pg.art)
	}
}

// shot keeps a screenshot of the viewport as an artifact.
func (pg *uiPage) shot(name string) {
	pg.t.Helper()
	var png []byte
	pg.run("screenshot "+name, chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join(pg.art, name), png, 0o644); err != nil {
		pg.t.Fatal(err)
	}
}

func (pg *uiPage) failShot() {
	ctx, cancel := context.WithTimeout(pg.ctx, 10*time.Second)
	defer cancel()
	var png []byte
	var dom string
	if chromedp.Run(ctx, chromedp.CaptureScreenshot(&png), chromedp.OuterHTML("html", &dom, chromedp.ByQuery)) == nil {
		_ = os.WriteFile(filepath.Join(pg.art, "failure.png"), png, 0o644)
		_ = os.WriteFile(filepath.Join(pg.art, "failure.html"), []byte(dom), 0o644)
	}
}

func post(t testing.TB, url string, header map[string]string) int {
	return request(t, http.MethodPost, url, header)
}

func get(t testing.TB, url string, header map[string]string) int {
	return request(t, http.MethodGet, url, header)
}

func request(t testing.TB, method, url string, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	res.Body.Close()
	return res.StatusCode
}

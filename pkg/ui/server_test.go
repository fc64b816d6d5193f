package ui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

const testToken = "0123456789abcdef-test-token"

// shopYAML is web -> api -> db (healthy), api linked to cache.
const shopYAML = `name: shop
services:
  db: {image: "db:1"}
  cache: {image: "cache:1"}
  api:
    image: "api:1"
    links: [cache]
    depends_on:
      db: {condition: service_healthy}
  web:
    image: "web:1"
    ports: ["8080:80"]
    depends_on: [api]
`

func shopProject(t *testing.T) *types.Project {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(f, []byte(shopYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := project.Load(context.Background(), project.Options{Files: []string{f}, WorkingDir: dir, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func running(service string, n int, health string) engine.Container {
	name := "shop-" + service + "-1"
	status := "Up 3 minutes"
	if health != "" {
		status += " (" + health + ")"
	}
	return engine.Container{ID: "id-" + service, Name: name, Project: "shop", Service: service, Number: n, State: "running", Health: health, Status: status}
}

// newTestServer serves a Server on the fake, for the project shop.
func newTestServer(t *testing.T, o Options) (*httptest.Server, *fakeState) {
	t.Helper()
	st := &fakeState{containers: []engine.Container{
		running("db", 1, "healthy"), running("cache", 1, ""), running("api", 1, ""), running("web", 1, ""),
	}}
	o.Verbs = st.verbs
	p := shopProject(t)
	o.Load = func(ctx context.Context, name string, files []string, dir string) (*types.Project, error) {
		return p, nil
	}
	o.Project = "shop"
	o.Token = testToken
	o.Loopback = true
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return ts, st
}

func do(t *testing.T, ts *httptest.Server, method, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestAccess(t *testing.T) {
	ts, st := newTestServer(t, Options{})
	cookie := "stack_ui_" + ts.URL[strings.LastIndex(ts.URL, ":")+1:] + "=" + testToken
	for _, c := range []struct {
		name, method, path string
		header             map[string]string
		want               int
	}{
		{"read without token", "GET", "/api/projects", nil, 403},
		{"read with the header", "GET", "/api/projects", map[string]string{TokenHeader: testToken}, 200},
		{"read with the cookie", "GET", "/api/projects", map[string]string{"Cookie": cookie}, 200},
		{"read with a wrong token", "GET", "/api/projects", map[string]string{TokenHeader: "wrong-token-wrong-token"}, 403},
		{"change without token", "POST", "/api/p/shop/services/web/stop", nil, 403},
		{"change with the cookie only (CSRF)", "POST", "/api/p/shop/services/web/stop", map[string]string{"Cookie": cookie}, 403},
		{"change from another origin", "POST", "/api/p/shop/services/web/stop", map[string]string{TokenHeader: testToken, "Origin": "http://evil.example"}, 403},
		{"change from another site", "POST", "/api/p/shop/services/web/stop", map[string]string{TokenHeader: testToken, "Sec-Fetch-Site": "cross-site"}, 403},
		{"a rebound name", "GET", "/api/projects", map[string]string{TokenHeader: testToken, "Host": "evil.example:80"}, 403},
		{"the page without token", "GET", "/p/shop/", nil, 403},
		{"the page with a wrong token", "GET", "/p/shop/?token=nope", nil, 403},
		{"the assets need no token", "GET", "/assets/app.js", nil, 200},
		{"a bad project name", "GET", "/api/p/Shop!/timeline", map[string]string{TokenHeader: testToken}, 400},
		{"an unknown service", "POST", "/api/p/shop/services/nope/stop", map[string]string{TokenHeader: testToken}, 404},
		{"an unknown verb", "POST", "/api/p/shop/services/web/explode", map[string]string{TokenHeader: testToken}, 404},
		{"no schedules without the agent", "GET", "/api/p/shop/jobs", map[string]string{TokenHeader: testToken}, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, body := do(t, ts, c.method, c.path, c.header, "{}"); got != c.want {
				t.Errorf("%s %s: status %d, want %d (%s)", c.method, c.path, got, c.want, body)
			}
		})
	}
	if calls := st.called(); len(calls) > 0 {
		t.Errorf("refused requests called the verbs: %q", calls)
	}
}

func TestPageSetsSession(t *testing.T) {
	ts, _ := newTestServer(t, Options{})
	req, _ := http.NewRequest("GET", ts.URL+"/p/shop/?token="+testToken, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/p/shop/" {
		t.Fatalf("page with token: %d to %q, want 303 to /p/shop/ (the token leaves the address bar)", res.StatusCode, res.Header.Get("Location"))
	}
	sc := res.Header.Get("Set-Cookie")
	for _, want := range []string{testToken, "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %q", sc, want)
		}
	}
	code, body := do(t, ts, "GET", "/p/shop/", map[string]string{"Cookie": strings.Split(sc, ";")[0]}, "{}")
	if code != 200 || !strings.Contains(body, `content="shop"`) {
		t.Fatalf("page with the cookie: %d\n%s", code, body)
	}
}

func TestReadOnly(t *testing.T) {
	ts, st := newTestServer(t, Options{ReadOnly: true})
	code, body := do(t, ts, "POST", "/api/p/shop/services/web/stop", map[string]string{TokenHeader: testToken}, "{}")
	if code != 403 || !strings.Contains(body, "read-only") {
		t.Fatalf("stop on a read-only server: %d %s", code, body)
	}
	if calls := st.called(); len(calls) > 0 {
		t.Errorf("read-only server called %q", calls)
	}
}

// dialLive opens the page's WebSocket as a browser of this origin would.
func dialLive(t *testing.T, ts *httptest.Server, project string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set(TokenHeader, testToken)
	h.Set("Origin", ts.URL)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/api/p/"+project+"/live", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// next reads messages until one satisfies ok.
func next(t *testing.T, conn *websocket.Conn, what string, ok func(message) bool) message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if ok(m) {
			return m
		}
	}
}

func TestLiveStopFromThePage(t *testing.T) {
	ts, st := newTestServer(t, Options{})
	conn := dialLive(t, ts, "shop")
	m := next(t, conn, "the project", func(m message) bool { return m.Project != nil })
	got := map[string]State{}
	for _, s := range m.Project.Services {
		got[s.Name] = s.State
	}
	if got["db"] != StateHealthy || got["web"] != StateRunning || len(got) != 4 {
		t.Fatalf("states %v", got)
	}
	if code, body := do(t, ts, "POST", "/api/p/shop/services/web/stop", map[string]string{TokenHeader: testToken}, "{}"); code != 202 {
		t.Fatalf("stop: %d %s", code, body)
	}
	var exited, done bool
	next(t, conn, "web exited and the action's end", func(m message) bool {
		if m.Type == "services" && len(m.Services) == 1 && m.Services[0].Name == "web" && m.Services[0].State == StateExited {
			if c := m.Services[0].ExitCode; c == nil || *c != 0 {
				t.Errorf("exit code %v, want 0", c)
			}
			exited = true
		}
		done = done || m.Type == "action" && m.Action.State == "done"
		return exited && done
	})
	if calls := st.called(); len(calls) != 1 || calls[0] != "stop web" {
		t.Errorf("calls %q, want [stop web]", calls)
	}
}

func TestPlanThenApply(t *testing.T) {
	ts, st := newTestServer(t, Options{})
	st.plan = []*stack.Op{
		{ID: 0, Kind: stack.OpKeep, Resource: stack.KindContainer, Name: "shop-db-1", Service: "db"},
		{ID: 1, Kind: stack.OpRecreate, Resource: stack.KindContainer, Name: "shop-web-1", Service: "web", Reasons: []string{"image"}, Deps: []stack.Dep{{Op: 0, Condition: stack.ConditionHealthy}}},
	}
	tok := map[string]string{TokenHeader: testToken, "Content-Type": "application/json"}
	code, body := do(t, ts, "POST", "/api/p/shop/plan", tok, "{}")
	if code != 200 {
		t.Fatalf("plan: %d %s", code, body)
	}
	var p Plan
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if !p.Changes || len(p.Steps) != 2 || p.Steps[1] != (PlanStep{N: 2, Kind: "container", Name: "shop-web-1", Service: "web", Action: "recreate", Reason: "image", Detail: "(image) after 1 healthy"}) {
		t.Fatalf("plan %+v", p)
	}
	// The engine moved on: the plan applied is not the one shown.
	st.mu.Lock()
	st.plan = st.plan[:1]
	st.mu.Unlock()
	code, body = do(t, ts, "POST", "/api/p/shop/apply", tok, `{"plan":"`+p.ID+`"}`)
	if code != http.StatusConflict || !strings.Contains(body, "changed") {
		t.Fatalf("apply of a stale plan: %d %s", code, body)
	}
	var again struct{ Plan Plan }
	_ = json.Unmarshal([]byte(body), &again)
	code, body = do(t, ts, "POST", "/api/p/shop/apply", tok, `{"plan":"`+again.Plan.ID+`"}`)
	if code != http.StatusAccepted {
		t.Fatalf("apply of the new plan: %d %s", code, body)
	}
	if code, _ := do(t, ts, "POST", "/api/p/shop/apply", tok, `{"plan":"`+again.Plan.ID+`"}`); code != http.StatusNotFound {
		t.Errorf("a plan applied twice: %d, want 404", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(st.called()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if calls := st.called(); len(calls) != 1 || calls[0] != "up" {
		t.Errorf("calls %q, want [up]", calls)
	}
	code, body = do(t, ts, "POST", "/api/p/shop/plan", tok, `{"verb":"scale","services":["web"],"scale":-1}`)
	if code != http.StatusBadRequest {
		t.Errorf("scale to -1: %d %s", code, body)
	}
	code, body = do(t, ts, "POST", "/api/p/shop/plan", tok, `{"verb":"down","volumes":true}`)
	var down Plan
	if code != http.StatusOK || json.Unmarshal([]byte(body), &down) != nil || len(down.Steps) != 1 || down.Steps[0].Action != "remove" {
		t.Fatalf("plan of down: %d %s", code, body)
	}
	if code, body := do(t, ts, "POST", "/api/p/shop/apply", tok, `{"plan":"`+down.ID+`"}`); code != http.StatusAccepted {
		t.Fatalf("apply down: %d %s", code, body)
	}
}

func TestLogsFromThePage(t *testing.T) {
	ts, st := newTestServer(t, Options{})
	t0 := time.Now()
	st.logs = []stack.LogLine{
		{Time: t0, Service: "web", Container: "shop-web-1", Line: "GET /"},
		{Time: t0.Add(time.Millisecond), Service: "db", Container: "shop-db-1", Line: "ready"},
	}
	conn := dialLive(t, ts, "shop")
	next(t, conn, "hello", func(m message) bool { return m.Type == "hello" })
	if err := conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"logs","services":["web"],"tail":10}`)); err != nil {
		t.Fatal(err)
	}
	m := next(t, conn, "the first lines", func(m message) bool { return m.Type == "logs-history" })
	if len(m.Lines) != 1 || m.Lines[0].L != "GET /" || m.Lines[0].S != "web" {
		t.Fatalf("first lines %+v, want web's one line", m.Lines)
	}
}

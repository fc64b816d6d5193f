package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSwarm runs stack deploy and the swarm verbs against real swarms made
// by scripts/swarm.sh on this machine (never the default engine's swarm):
//
//   - cluster: three engines, each in a network namespace of its own, one
//     manager reached over plain TCP, two workers, and a registry. A built
//     image pushed there, a 3-replica web service spread over the nodes,
//     a healthy database with a secret, a dependent service; a second
//     deploy that changes one variable; a worker's engine stopped; the
//     project taken down, nothing of it left on any node.
//   - verbs: one engine whose manager endpoint requires TLS (a throwaway
//     CA made by the script with openssl) and a registry that requires a
//     login, for each verb and the failure reports.
//
// Both clusters start once, at the same time, and are taken down when the
// test ends, pass or fail. It needs root (namespaces, bridges, iptables);
// it runs when STACK_E2E_REQUIRED (make test) or STACK_E2E_SWARM is set.
func TestSwarm(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests skipped in -short mode")
	}
	if os.Getenv("STACK_E2E_REQUIRED") == "" && os.Getenv("STACK_E2E_SWARM") == "" {
		t.Skip("swarm end-to-end test: set STACK_E2E_SWARM=1 (or STACK_E2E_REQUIRED=1, as make test does)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("the swarm test needs root: it makes network namespaces, a bridge and firewall rules")
	}
	if err := engineAnswers(); err != nil {
		t.Fatalf("Docker Engine unreachable: %v (run scripts/engine.sh)", err)
	}
	t.Parallel()
	bin := stackBinary(t)
	ensureImage(t)

	var cluster, single *swarmCluster
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); cluster = startSwarm(t, "cluster", 3, nil) }()
	go func() {
		defer wg.Done()
		single = startSwarm(t, "verbs", 1, []string{"SWARM_TLS=1", "SWARM_REGISTRY_AUTH=e2e:" + randomSuffix(12)})
	}()
	wg.Wait()
	if cluster == nil || single == nil {
		t.FailNow()
	}
	t.Run("cluster", func(t *testing.T) {
		t.Parallel()
		testSwarmCluster(t, bin, cluster)
	})
	t.Run("verbs", func(t *testing.T) {
		t.Parallel()
		testSwarmVerbs(t, bin, single)
	})
}

// swarmCluster is one swarm made by scripts/swarm.sh.
type swarmCluster struct {
	dir  string
	env  map[string]string // DIR/env
	auth string            // USER:PASSWORD of its registry, "" for none
	// config is a docker config directory with the registry's login.
	config string
}

// startSwarm brings a swarm of n nodes up, with env for swarm.sh, pushes
// the test image to its registry and registers its teardown. It returns
// nil after reporting a failure.
func startSwarm(t *testing.T, name string, n int, env []string) *swarmCluster {
	dir, err := os.MkdirTemp("", "stack-swarm-"+name+"-")
	if err != nil {
		t.Error(err)
		return nil
	}
	script := filepath.Join(mustAbs(t, repoRoot), "scripts", "swarm.sh")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "bash", script, "down", dir).CombinedOutput(); err != nil {
			t.Errorf("swarm.sh down %s: %v\n%s", dir, err, out)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, "up", dir, fmt.Sprint(n))
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("swarm.sh up %s %d: %v\n%s", dir, n, err, out)
		return nil
	}
	c := &swarmCluster{dir: dir, env: map[string]string{}}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "SWARM_") {
			c.env[k] = v
		}
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "SWARM_REGISTRY_AUTH="); ok {
			c.auth = v
		}
	}
	c.config = filepath.Join(dir, "docker-config")
	if err := os.MkdirAll(c.config, 0o700); err != nil {
		t.Error(err)
		return nil
	}
	cfg := `{}`
	if c.auth != "" {
		cfg = fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, c.env["SWARM_REGISTRY"], base64.StdEncoding.EncodeToString([]byte(c.auth)))
	}
	if err := os.WriteFile(filepath.Join(c.config, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Error(err)
		return nil
	}
	push := exec.CommandContext(ctx, "bash", script, "push", dir, testImage)
	push.Env = append(os.Environ(), env...)
	if out, err := push.CombinedOutput(); err != nil {
		t.Errorf("swarm.sh push %s: %v\n%s", testImage, err, out)
		return nil
	}
	return c
}

// image is the test image in the cluster's registry.
func (c *swarmCluster) image() string { return c.env["SWARM_REGISTRY"] + "/" + testImage }

// stackEnv is the environment stack runs with against c's manager.
func (c *swarmCluster) stackEnv() []string {
	env := []string{"DOCKER_HOST=" + c.env["SWARM_MANAGER"], "DOCKER_CONFIG=" + c.config}
	if p := c.env["SWARM_TLS_CERT_PATH"]; p != "" {
		env = append(env, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH="+p)
	}
	for _, kv := range stackEnv() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// swarmRun is the stack binary run in one project's directory against one
// swarm.
type swarmRun struct {
	t       *testing.T
	bin     string
	c       *swarmCluster
	dir     string
	project string
}

func newSwarmRun(t *testing.T, bin string, c *swarmCluster, project string) *swarmRun {
	return &swarmRun{t: t, bin: bin, c: c, dir: t.TempDir(), project: project}
}

// write writes the files of the project, paths relative to its directory.
func (r *swarmRun) write(files map[string]string) {
	r.t.Helper()
	for name, data := range files {
		p := filepath.Join(r.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// stack runs stack with args (the project's name first) and returns its
// standard output and error.
func (r *swarmRun) stack(limit time.Duration, args ...string) (string, string, error) {
	args = append([]string{"-p", r.project, "--progress", "plain"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Dir = r.dir
	cmd.Env = r.c.stackEnv()
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	line := "stack " + strings.Join(args, " ")
	r.t.Logf("$ %s  [%s, %v]", line, time.Since(start).Round(100*time.Millisecond), err)
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("%s: did not finish within %s; stopped with SIGQUIT", line, limit)
	case crashRE.Match(stderr.Bytes()):
		err = fmt.Errorf("%s: crashed", line)
	case err != nil:
		err = fmt.Errorf("%s: %v", line, err)
	}
	return stdout.String(), stderr.String(), err
}

// ok runs stack and fails the test if it fails; it returns stdout.
func (r *swarmRun) ok(limit time.Duration, args ...string) string {
	r.t.Helper()
	out, errOut, err := r.stack(limit, args...)
	if err != nil {
		r.t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, lastLines(out, 40), lastLines(errOut, 60))
	}
	return out
}

// fails runs stack, which must fail, and returns its standard error.
func (r *swarmRun) fails(limit time.Duration, args ...string) string {
	r.t.Helper()
	out, errOut, err := r.stack(limit, args...)
	if err == nil {
		r.t.Fatalf("stack %s succeeded, want a failure\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), out, errOut)
	}
	if crashRE.MatchString(errOut) {
		r.t.Fatalf("stack %s crashed:\n%s", strings.Join(args, " "), errOut)
	}
	return errOut
}

// node runs the docker CLI against node n's engine.
func (c *swarmCluster) node(t *testing.T, n int, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args = append([]string{"-H", c.env[fmt.Sprintf("SWARM_NODE%d_HOST", n)]}, args...)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// nodeTo stops or starts (op: stop-node, start-node) node n's engine with
// swarm.sh and waits until the manager sees the node in status (Down,
// Ready).
func (c *swarmCluster) nodeTo(t *testing.T, op string, n int, status string) {
	t.Helper()
	script := filepath.Join(mustAbs(t, repoRoot), "scripts", "swarm.sh")
	if out, err := exec.Command("bash", script, op, c.dir, fmt.Sprint(n)).CombinedOutput(); err != nil {
		t.Fatalf("swarm.sh %s %d: %v\n%s", op, n, err, out)
	}
	want := fmt.Sprintf("node%d %s", n, status)
	eventually(t, 90*time.Second, want, func() string {
		if out := c.node(t, 1, "node", "ls", "--format", "{{.Hostname}} {{.Status}}"); !strings.Contains(out, want) {
			return out
		}
		return ""
	})
}

// swarmTask is one line of stack ps --swarm --format json.
type swarmTask struct {
	Name, Service, Node, NodeAddr, DesiredState, CurrentState, Error string
	Publishers                                                       []struct {
		Target, Published uint32
		Mode              string
	}
}

func (r *swarmRun) tasks(service string) []swarmTask {
	r.t.Helper()
	out := r.ok(time.Minute, "ps", "--swarm", "--format", "json", service)
	var ts []swarmTask
	if err := json.Unmarshal([]byte(out), &ts); err != nil {
		r.t.Fatalf("ps --swarm --format json: %v\n%s", err, out)
	}
	return ts
}

// swarmGet fetches url and returns its body; it retries for up to 30 s.
func swarmGet(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			last = err
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			return string(body)
		}
		last = fmt.Errorf("status %d, %v", resp.StatusCode, err)
	}
	t.Fatalf("GET %s: %v", url, last)
	return ""
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

// eventually retries check until it returns "" or the time is up, and
// fails with its last answer.
func eventually(t *testing.T, d time.Duration, what string, check func() string) {
	t.Helper()
	var why string
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if why = check(); why == "" {
			return
		}
	}
	t.Fatalf("%s: %s", what, why)
}

// serviceVersion returns the version index and update state of a service
// on c's manager.
func (c *swarmCluster) serviceVersion(t *testing.T, name string) (string, string) {
	out := c.node(t, 1, "service", "inspect", "--format", "{{.Version.Index}} {{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", name)
	v, state, _ := strings.Cut(out, " ")
	return v, state
}

// objectsOf lists the containers, networks and volumes of project on node
// n, by the label every one of them carries.
func (c *swarmCluster) objectsOf(t *testing.T, n int, project string) []string {
	filter := "label=com.docker.stack.namespace=" + project
	var left []string
	for _, args := range [][]string{
		{"ps", "-a", "--filter", filter, "--format", "container {{.Names}}"},
		{"network", "ls", "--filter", filter, "--format", "network {{.Name}}"},
		{"volume", "ls", "--filter", filter, "--format", "volume {{.Name}}"},
	} {
		if out := c.node(t, n, args...); out != "" {
			left = append(left, strings.Split(out, "\n")...)
		}
	}
	return left
}

const swarmWebDockerfile = `FROM %s
RUN mkdir -p /www && echo built-by-stack > /www/built.txt
CMD ["sh", "-c", "trap 'exit 0' TERM; echo \"$GREETING from $(hostname)\" > /www/index.html; httpd -f -p 8080 -h /www & wait"]
`

// The cluster's stack: web (built, pushed, 3 replicas spread over the
// nodes, host-mode port), db (healthy once it has read its secret), api
// (created once db is healthy; fetches the secret from db over the
// overlay network by db's name, and serves it).
const swarmClusterStack = `name: %s
services:
  web:
    build: ./web
    image: %s/e2e/web:1
    environment:
      GREETING: hello
    ports:
      - target: 8080
        mode: host
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      placement:
        preferences: [{spread: node.id}]
      update_config: {parallelism: 1, delay: 1s, monitor: 2s, order: stop-first}
  db:
    image: %s
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /srv && cp /run/secrets/db_password /srv/pw && httpd -f -p 5432 -h /srv & sleep 2; touch /tmp/ready; wait"]
    secrets: [db_password]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 60
    deploy:
      endpoint_mode: dnsrr
  api:
    image: %s
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; until wget -q -O /www/pw http://db:5432/pw; do sleep 1; done; echo got-secret; httpd -f -p 8081 -h /www & wait"]
    depends_on:
      db: {condition: service_healthy}
    ports:
      - target: 8081
        mode: host
    deploy:
      endpoint_mode: dnsrr
secrets:
  db_password:
    file: ./db_password.txt
`

func testSwarmCluster(t *testing.T, bin string, c *swarmCluster) {
	project := "e2e-swarm-" + randomSuffix(6)
	r := newSwarmRun(t, bin, c, project)
	t.Cleanup(func() {
		if t.Failed() {
			out, errOut, _ := r.stack(time.Minute, "ps", "--swarm", "-a")
			t.Logf("tasks at failure:\n%s%s", out, errOut)
		}
	})
	secret := "pw-" + randomSuffix(10)
	reg := c.env["SWARM_REGISTRY"]
	r.write(map[string]string{
		"compose.yaml":    fmt.Sprintf(swarmClusterStack, project, reg, c.image(), c.image()),
		"web/Dockerfile":  fmt.Sprintf(swarmWebDockerfile, c.image()),
		"db_password.txt": secret,
	})

	// First deploy: the image is built on the manager and pushed; every
	// node pulls it from the registry.
	r.ok(6*time.Minute, "deploy", "--build", "--push", "--wait", "--wait-timeout", "300")

	web := r.tasks("web")
	if len(web) != 3 {
		t.Fatalf("web has %d tasks, want 3: %+v", len(web), web)
	}
	nodes := map[string]bool{}
	for _, task := range web {
		nodes[task.NodeAddr] = true
		if task.CurrentState == "" || !strings.HasPrefix(task.CurrentState, "running") {
			t.Fatalf("task %s is %q, want running", task.Name, task.CurrentState)
		}
		if len(task.Publishers) == 0 || task.Publishers[0].Published == 0 {
			t.Fatalf("task %s publishes no host port: %+v", task.Name, task)
		}
		url := fmt.Sprintf("http://%s:%d/", task.NodeAddr, task.Publishers[0].Published)
		if body := swarmGet(t, url); !strings.HasPrefix(body, "hello from ") {
			t.Fatalf("%s (task %s) answers %q, want the greeting", url, task.Name, body)
		}
		if body := swarmGet(t, fmt.Sprintf("http://%s:%d/built.txt", task.NodeAddr, task.Publishers[0].Published)); !strings.Contains(body, "built-by-stack") {
			t.Fatalf("task %s does not run the built image: built.txt is %q", task.Name, body)
		}
	}
	if len(nodes) != 3 {
		t.Fatalf("web's 3 tasks run on %d nodes, want one on each (placement preference): %+v", len(nodes), web)
	}
	// api reached db by its name over the overlay network, once db was
	// healthy, and got the secret.
	api := r.tasks("api")
	if len(api) != 1 || len(api[0].Publishers) == 0 {
		t.Fatalf("api tasks: %+v", api)
	}
	if got := swarmGet(t, fmt.Sprintf("http://%s:%d/pw", api[0].NodeAddr, api[0].Publishers[0].Published)); got != secret {
		t.Fatalf("api got %q from db, want the secret", got)
	}
	// db's task turned running (which a swarm does once it is healthy)
	// before api was created.
	apiCreated := c.node(t, 1, "service", "inspect", "--format", "{{.CreatedAt.Format \"2006-01-02T15:04:05.000000000Z07:00\"}}", project+"_api")
	dbTask := strings.Fields(c.node(t, 1, "service", "ps", "-q", "--no-trunc", project+"_db"))[0]
	dbRunning := c.node(t, 1, "inspect", "--format", "{{.Status.Timestamp.Format \"2006-01-02T15:04:05.000000000Z07:00\"}}", dbTask)
	if a, b := parseTime(t, apiCreated), parseTime(t, dbRunning); a.Before(b) {
		t.Fatalf("api was created at %s, before db ran healthy at %s", a, b)
	}
	if out := c.node(t, 1, "stack", "ls", "--format", "{{.Name}} {{.Services}}"); !strings.Contains(out, project+" 3") {
		t.Fatalf("docker stack ls does not see the project with 3 services:\n%s", out)
	}

	// A second deploy with one variable changed updates web only, one
	// task at a time.
	dbV, _ := c.serviceVersion(t, project+"_db")
	apiV, _ := c.serviceVersion(t, project+"_api")
	webV, _ := c.serviceVersion(t, project+"_web")
	r.write(map[string]string{"compose.yaml": strings.Replace(fmt.Sprintf(swarmClusterStack, project, reg, c.image(), c.image()), "GREETING: hello", "GREETING: bonjour", 1)})
	plan := r.ok(time.Minute, "deploy", "--dry-run")
	for _, want := range []string{"update  service  " + project + "_web  changed: environment", "keep    service  " + project + "_db", "keep    service  " + project + "_api"} {
		if !strings.Contains(plan, want) {
			t.Fatalf("the plan of the second deploy lacks %q:\n%s", want, plan)
		}
	}
	r.ok(4*time.Minute, "deploy", "--wait", "--wait-timeout", "200")
	if v, _ := c.serviceVersion(t, project+"_db"); v != dbV {
		t.Fatalf("db was updated (version %s -> %s) though it did not change", dbV, v)
	}
	if v, _ := c.serviceVersion(t, project+"_api"); v != apiV {
		t.Fatalf("api was updated (version %s -> %s) though it did not change", apiV, v)
	}
	if v, state := c.serviceVersion(t, project+"_web"); v == webV || state != "completed" {
		t.Fatalf("web: version %s -> %s, update %q: want a completed update", webV, v, state)
	}
	// Rolling: the old tasks were shut down one after the other, each new
	// task started before the next old one stopped.
	history := c.node(t, 1, "service", "ps", "--no-trunc", "--filter", "desired-state=shutdown", "--format", "{{.ID}}", project+"_web")
	if n := len(strings.Fields(history)); n != 3 {
		t.Fatalf("web has %d replaced tasks after the update, want 3", n)
	}
	for _, task := range r.tasks("web") {
		url := fmt.Sprintf("http://%s:%d/", task.NodeAddr, task.Publishers[0].Published)
		if body := swarmGet(t, url); !strings.HasPrefix(body, "bonjour from ") {
			t.Fatalf("%s answers %q after the update", url, body)
		}
	}

	// A worker's engine stops: its tasks move to the other nodes, and a
	// deploy of the same file waits until they run.
	lost := c.env["SWARM_NODE3_ADDR"]
	// The manager notices when the node misses its heartbeats.
	c.nodeTo(t, "stop-node", 3, "Down")
	r.ok(4*time.Minute, "deploy", "--wait", "--wait-timeout", "200")
	web = r.tasks("web")
	if len(web) != 3 {
		t.Fatalf("web has %d tasks after node 3 stopped, want 3: %+v", len(web), web)
	}
	for _, task := range web {
		if task.NodeAddr == lost {
			t.Fatalf("task %s still on the stopped node %s", task.Name, lost)
		}
		swarmGet(t, fmt.Sprintf("http://%s:%d/", task.NodeAddr, task.Publishers[0].Published))
	}
	c.nodeTo(t, "start-node", 3, "Ready")

	// Taken down: nothing of the project on any node.
	r.ok(3*time.Minute, "down", "--swarm")
	for _, kind := range []string{"service", "secret", "config"} {
		if out := c.node(t, 1, kind, "ls", "--filter", "label=com.docker.stack.namespace="+project, "-q"); out != "" {
			t.Fatalf("%ss of the project left after down: %s", kind, out)
		}
	}
	eventually(t, time.Minute, "nothing of the project on any node", func() string {
		var left []string
		for n := 1; n <= 3; n++ {
			for _, o := range c.objectsOf(t, n, project) {
				left = append(left, fmt.Sprintf("node%d: %s", n, o))
			}
		}
		return strings.Join(left, ", ")
	})
}

// The verbs' stack: a job that must complete first, a web service, a
// secret from the environment and a config given inline.
const swarmVerbsStack = `name: %s
services:
  migrate:
    image: %s
    command: ["sh", "-c", "echo migrated-%s"]
    restart: "no"
  web:
    image: %s
    command: ["sh", "-c", "trap 'exit 0' TERM; cat /run/secrets/token /etc/app.conf; echo; sleep 3600 & wait"]
    secrets: [token]
    configs:
      - source: app
        target: /etc/app.conf
    volumes: [data:/data]
    depends_on:
      migrate: {condition: service_completed_successfully}
    deploy:
      replicas: 2
%s
secrets:
  token:
    environment: E2E_TOKEN
configs:
  app:
    content: config-%s
volumes:
  data: {}
`

func testSwarmVerbs(t *testing.T, bin string, c *swarmCluster) {
	project := "e2e-verbs-" + randomSuffix(6)
	r := newSwarmRun(t, bin, c, project)
	img := c.image()
	write := func(extra, config string) {
		r.write(map[string]string{
			"compose.yaml": fmt.Sprintf(swarmVerbsStack, project, img, project, img, extra, config),
			".env":         "E2E_TOKEN=token-" + project + "\n",
		})
	}
	write("  extra:\n    image: "+img+"\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 3600 & wait\"]\n    container_name: fixed\n    privileged: true", "v1")

	// --strict refuses the keys a swarm cannot honour, naming them, and
	// leaves the swarm untouched.
	errOut := r.fails(time.Minute, "deploy", "--strict")
	for _, want := range []string{`service "extra"`, "container_name", "privileged"} {
		if !strings.Contains(errOut, want) {
			t.Fatalf("deploy --strict does not name %s:\n%s", want, errOut)
		}
	}
	if out := c.node(t, 1, "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+project); out != "" {
		t.Fatalf("deploy --strict created services: %s", out)
	}
	// --dry-run prints the plan and changes nothing.
	plan := r.ok(time.Minute, "deploy", "--dry-run")
	for _, want := range []string{"create  service  " + project + "_web", "after migrate completed", "create  secret   " + project + "_token-", "create  config   " + project + "_app-"} {
		if !strings.Contains(plan, want) {
			t.Fatalf("deploy --dry-run lacks %q:\n%s", want, plan)
		}
	}
	if out := c.node(t, 1, "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+project); out != "" {
		t.Fatalf("deploy --dry-run created services: %s", out)
	}

	// The deploy warns of the keys it leaves out, then converges.
	_, errOut, err := r.stack(3*time.Minute, "deploy", "--wait", "--wait-timeout", "150")
	if err != nil {
		t.Fatalf("deploy --wait: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "warning") || !strings.Contains(errOut, "container_name") {
		t.Fatalf("deploy did not warn of container_name:\n%s", errOut)
	}
	services := r.ok(time.Minute, "services")
	for _, want := range []string{project + "_web", "2/2", project + "_migrate", project + "_extra"} {
		if !strings.Contains(services, want) {
			t.Fatalf("stack services lacks %q:\n%s", want, services)
		}
	}
	if tasks := r.tasks("web"); len(tasks) != 2 || tasks[0].Node != "node1" {
		t.Fatalf("ps --swarm web: %+v", tasks)
	}
	eventually(t, 30*time.Second, "logs of web and migrate", func() string {
		logs := r.ok(time.Minute, "logs", "--swarm", "--no-color")
		for _, want := range []string{"migrated-" + project, "token-" + project + "config-v1", "web.1@node1"} {
			if !strings.Contains(logs, want) {
				return fmt.Sprintf("no %q in:\n%s", want, logs)
			}
		}
		return ""
	})

	// scale --swarm sets the replicas; the next deploy sets them back.
	r.ok(time.Minute, "scale", "--swarm", "web=3")
	eventually(t, time.Minute, "web scaled to 3", func() string {
		if out := r.ok(time.Minute, "services"); !strings.Contains(out, "3/3") {
			return out
		}
		return ""
	})

	// A changed config is a new config; --prune removes the service the
	// file lost; the old config goes once nothing uses it.
	oldConfigs := c.node(t, 1, "config", "ls", "--format", "{{.Name}}", "--filter", "label=com.docker.stack.namespace="+project)
	write("", "v2")
	plan = r.ok(time.Minute, "deploy", "--dry-run", "--prune")
	for _, want := range []string{"remove  service  " + project + "_extra", "replicas 3 -> 2", "new content"} {
		if !strings.Contains(plan, want) {
			t.Fatalf("the plan lacks %q:\n%s", want, plan)
		}
	}
	r.ok(3*time.Minute, "deploy", "--prune", "--wait", "--wait-timeout", "150")
	configs := c.node(t, 1, "config", "ls", "--format", "{{.Name}}", "--filter", "label=com.docker.stack.namespace="+project)
	if configs == oldConfigs || strings.Count(configs, "\n") != 0 {
		t.Fatalf("configs after the change: %q (before: %q), want one new one", configs, oldConfigs)
	}
	if out := r.ok(time.Minute, "services"); strings.Contains(out, project+"_extra") || !strings.Contains(out, "2/2") {
		t.Fatalf("after deploy --prune:\n%s", out)
	}

	// A failing service: --wait gives up and reports its tasks, its last
	// error and its last log lines, exit 1.
	bad := newSwarmRun(t, bin, c, project+"-bad")
	bad.write(map[string]string{"compose.yaml": fmt.Sprintf(`name: %s
services:
  broken:
    image: %s
    command: ["sh", "-c", "echo about-to-fail; sleep 1; exit 3"]
    restart: "no"
    # Not running before it is healthy: it fails first, every time.
    healthcheck: {test: ["CMD", "true"], interval: 30s}
  nowhere:
    image: %s
    command: ["sleep", "60"]
    deploy:
      placement:
        constraints: [node.labels.missing == yes]
`, project+"-bad", img, img)})
	errOut = bad.fails(2*time.Minute, "deploy", "--wait", "--wait-timeout", "25")
	for _, want := range []string{"timed out", project + "-bad_broken", "non-zero exit (3)", "about-to-fail", project + "-bad_nowhere", "pending", "no suitable node"} {
		if !strings.Contains(errOut, want) {
			t.Fatalf("the failure report lacks %q:\n%s", want, errOut)
		}
	}
	bad.ok(2*time.Minute, "down", "--swarm")

	// Not a swarm manager: the default engine. One line, nothing changed.
	local := exec.Command(bin, "-p", project, "services")
	local.Env = stackEnv()
	out, err := local.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not a swarm manager") || strings.Count(strings.TrimSpace(string(out)), "\n") > 0 {
		t.Fatalf("stack services against the default engine: %v\n%s", err, out)
	}

	// down --swarm -v: services, networks, secrets, configs and the volume.
	r.ok(2*time.Minute, "down", "--swarm", "-v")
	for _, kind := range []string{"service", "secret", "config", "network", "volume"} {
		args := []string{kind, "ls", "-q", "--filter", "label=com.docker.stack.namespace=" + project}
		if out := c.node(t, 1, args...); out != "" {
			t.Fatalf("%ss left after down --swarm -v: %s", kind, out)
		}
	}
	eventually(t, time.Minute, "no container of the project", func() string {
		return strings.Join(slices.DeleteFunc(c.objectsOf(t, 1, project), func(s string) bool { return !strings.HasPrefix(s, "container") }), ", ")
	})
}

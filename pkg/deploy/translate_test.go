package deploy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
)

const translateStack = `name: shop
services:
  db:
    image: reg.local:5000/db:1
    environment: {PASSWORD_FILE: /run/secrets/pw, EMPTY: null}
    secrets: [pw]
    volumes: [data:/var/lib/db, /srv:/srv:ro]
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      retries: 3
    restart: unless-stopped
    mem_limit: 64m
    cpus: 0.5
    container_name: db
    privileged: true
  web:
    image: reg.local:5000/web:1
    entrypoint: ["/entry"]
    command: ["serve", "--port", "80"]
    ports:
      - "8080:80"
      - target: 81
        published: "8081"
        mode: host
        host_ip: 127.0.0.1
    networks:
      front: {aliases: [www]}
      back: {ipv4_address: 10.9.0.5}
    configs:
      - source: conf
        target: /etc/web.conf
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
    links: ["db:database"]
    x-link-priority: 5
    deploy:
      replicas: 3
      labels: {tier: front}
      placement:
        constraints: [node.role == worker]
        preferences: [{spread: node.labels.zone}]
      resources:
        limits: {cpus: "1.5", memory: 128m}
      update_config: {parallelism: 2, delay: 5s, order: start-first}
      restart_policy: {condition: on-failure, max_attempts: 4}
  migrate:
    image: reg.local:5000/db:1
    command: ["migrate"]
  builder:
    build: .
    image: reg.local:5000/builder:1
networks:
  front: {}
  back: {driver: bridge}
volumes:
  data: {labels: {keep: "yes"}}
secrets:
  pw:
    file: ./pw.txt
configs:
  conf:
    content: "listen 80"
`

func translated(t *testing.T, push bool) *Desired {
	t.Helper()
	p := load(t, translateStack, map[string]string{"pw.txt": "s3cret", "Dockerfile": "FROM scratch\n"})
	d, err := Translate(p, TranslateOptions{Push: push})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func service(t *testing.T, d *Desired, key string) Service {
	t.Helper()
	for _, s := range d.Services {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no service %s", key)
	return Service{}
}

func TestTranslateService(t *testing.T) {
	d := translated(t, false)
	web := service(t, d, "web")
	s := web.Spec
	if s.Name != "shop_web" || s.Mode != engine.ModeReplicated || *s.Replicas != 3 {
		t.Fatalf("name/mode/replicas: %s %s %v", s.Name, s.Mode, s.Replicas)
	}
	for k, v := range map[string]string{engine.LabelStackNamespace: "shop", engine.LabelStackImage: "reg.local:5000/web:1", LabelService: "web", "tier": "front"} {
		if s.Labels[k] != v {
			t.Errorf("service label %s = %q, want %q", k, s.Labels[k], v)
		}
	}
	c := s.Container
	if strings.Join(c.Command, " ") != "/entry" || strings.Join(c.Args, " ") != "serve --port 80" {
		t.Errorf("entrypoint/command: %q %q", c.Command, c.Args)
	}
	if c.Labels[engine.LabelStackNamespace] != "shop" {
		t.Errorf("task container labels: %v", c.Labels)
	}
	wantPorts := []engine.PortConfig{
		{Protocol: "tcp", Target: 80, Published: 8080, Mode: "ingress"},
		{Protocol: "tcp", Target: 81, Published: 8081, Mode: "host"},
	}
	if len(s.Ports) != 2 || s.Ports[0] != wantPorts[0] || s.Ports[1] != wantPorts[1] {
		t.Errorf("ports: %+v", s.Ports)
	}
	if len(s.Networks) != 2 || s.Networks[0].Target != "shop_back" || s.Networks[1].Target != "shop_front" ||
		strings.Join(s.Networks[1].Aliases, ",") != "www,web" {
		t.Errorf("networks: %+v", s.Networks)
	}
	if len(c.Configs) != 1 || c.Configs[0].Target != "/etc/web.conf" || !strings.HasPrefix(c.Configs[0].Name, "shop_conf-") || c.Configs[0].Mode != 0o444 {
		t.Errorf("configs: %+v", c.Configs)
	}
	if p := s.Placement; p == nil || p.Constraints[0] != "node.role == worker" || p.Spread[0] != "node.labels.zone" {
		t.Errorf("placement: %+v", s.Placement)
	}
	if r := s.Resources; r == nil || r.LimitNanoCPUs != 1_500_000_000 || r.LimitMemory != 128<<20 {
		t.Errorf("resources: %+v", s.Resources)
	}
	if u := s.Update; u == nil || u.Parallelism != 2 || u.Delay != 5*time.Second || u.Order != "start-first" {
		t.Errorf("update config: %+v", s.Update)
	}
	if r := s.Restart; r == nil || r.Condition != "on-failure" || *r.MaxAttempts != 4 {
		t.Errorf("restart: %+v", s.Restart)
	}
	if web.Priority != 5 {
		t.Errorf("priority %d", web.Priority)
	}
	wantDeps := "db:service_healthy migrate:service_completed_successfully"
	var deps []string
	for _, dep := range web.Deps {
		deps = append(deps, dep.Service+":"+dep.Condition)
	}
	if strings.Join(deps, " ") != wantDeps {
		t.Errorf("deps %v, want %s", deps, wantDeps)
	}

	db := service(t, d, "db").Spec
	if strings.Join(db.Container.Env, " ") != "EMPTY PASSWORD_FILE=/run/secrets/pw" {
		t.Errorf("env: %q", db.Container.Env)
	}
	if db.Restart == nil || db.Restart.Condition != "any" {
		t.Errorf("restart: unless-stopped maps to %+v", db.Restart)
	}
	if r := db.Resources; r == nil || r.LimitMemory != 64<<20 || r.LimitNanoCPUs != 500_000_000 {
		t.Errorf("mem_limit and cpus become limits: %+v", db.Resources)
	}
	if h := db.Container.Healthcheck; h == nil || h.Interval != 2*time.Second || h.Retries != 3 {
		t.Errorf("healthcheck: %+v", h)
	}
	m := db.Container.Mounts
	if len(m) != 2 || m[0].Source != "shop_data" || m[0].VolumeLabels["keep"] != "yes" || m[0].VolumeLabels[engine.LabelStackNamespace] != "shop" ||
		m[1].Type != "bind" || !m[1].ReadOnly {
		t.Errorf("mounts: %+v", m)
	}
	if s := db.Container.Secrets; len(s) != 1 || s[0].Target != "pw" || s[0].UID != "0" {
		t.Errorf("secrets: %+v", s)
	}

	// A service another waits to complete runs once.
	if r := service(t, d, "migrate").Spec.Restart; r == nil || r.Condition != "none" {
		t.Errorf("migrate restart: %+v", r)
	}
}

func TestTranslateWarnings(t *testing.T) {
	d := translated(t, false)
	var got []string
	for _, w := range d.Warnings {
		got = append(got, w.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`service "db": container_name, privileged`,
		`service "web": `,
		"ports[1].host_ip",
		"networks.back.ipv4_address",
		"links: db:database",
		`service "builder": build (nodes cannot build: deploy with --build --push)`,
		`network "back": driver: bridge`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	// With --push, build is the deploy's business.
	for _, w := range translated(t, true).Warnings {
		if strings.Contains(w.String(), "build") {
			t.Errorf("warning with --push: %s", w)
		}
	}
}

func TestTranslateObjects(t *testing.T) {
	d := translated(t, false)
	if len(d.Secrets) != 1 || string(d.Secrets[0].Spec.Data) != "s3cret" || !strings.HasPrefix(d.Secrets[0].Name, "shop_pw-") {
		t.Fatalf("secrets: %+v", d.Secrets)
	}
	if d.Secrets[0].Spec.Labels[LabelContentHash] == "" || d.Secrets[0].Spec.Labels[LabelObject] != "pw" {
		t.Errorf("secret labels: %v", d.Secrets[0].Spec.Labels)
	}
	if len(d.Configs) != 1 || string(d.Configs[0].Spec.Data) != "listen 80" {
		t.Errorf("configs: %+v", d.Configs)
	}
	var nets []string
	for _, n := range d.Networks {
		nets = append(nets, n.Name+":"+n.Spec.Driver)
		if !n.Spec.Attachable {
			t.Errorf("network %s is not attachable", n.Name)
		}
	}
	if strings.Join(nets, " ") != "shop_back:overlay shop_default:overlay shop_front:overlay" {
		t.Errorf("networks: %v", nets)
	}
	// New content, new name; same content, same name.
	again := translated(t, false)
	if again.Secrets[0].Name != d.Secrets[0].Name {
		t.Errorf("same content, other names: %s %s", again.Secrets[0].Name, d.Secrets[0].Name)
	}
}

func TestTranslateErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"build without image", "services:\n  a:\n    build: .\n", `service "a": image: a swarm cannot build the image`},
		{"replicas of a global service", "services:\n  a:\n    image: x\n    deploy: {mode: global, replicas: 2}\n", `service "a": deploy.replicas: cannot be set in mode global`},
		{"bad restart", "services:\n  a:\n    image: x\n    restart: on-failure:x\n", `service "a": restart: invalid retry count`},
		{"unset secret variable", "services:\n  a:\n    image: x\n    secrets: [s]\nsecrets:\n  s: {environment: NOPE}\n", `secrets.s.environment: variable "NOPE" is not set`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := load(t, tc.yaml, map[string]string{"Dockerfile": "FROM scratch\n"})
			_, err := Translate(p, TranslateOptions{})
			var perr *project.Error
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &perr) || perr.File != "compose.yaml" {
				t.Fatalf("error %v, want a project error of compose.yaml with %q", err, tc.want)
			}
		})
	}
}

package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/swarm"
)

func TestSDKServiceSpec(t *testing.T) {
	three, grace := uint64(3), 5*time.Second
	s := ServiceSpec{
		Name: "shop_web", Labels: map[string]string{LabelStackNamespace: "shop"},
		Mode: ModeReplicated, Replicas: &three,
		Container: TaskContainer{
			Image: "reg/web:1@sha256:abc", Command: []string{"/entry"}, Args: []string{"serve"},
			Env: []string{"A=1"}, StopGracePeriod: &grace,
			Secrets: []FileRef{{Name: "shop_pw-1", ID: "sec1", Target: "pw", UID: "0", GID: "0", Mode: 0o400}},
			Mounts: []ServiceMount{
				{Type: "volume", Source: "shop_data", Target: "/data", VolumeLabels: map[string]string{"k": "v"}, VolumeDriver: "local"},
				{Type: "tmpfs", Target: "/tmp", TmpfsSize: 1 << 20},
			},
			Healthcheck: &Healthcheck{Test: []string{"CMD", "true"}, Interval: time.Second, Retries: 3},
		},
		Restart:   &RestartPolicy{Condition: "on-failure"},
		Placement: &Placement{Constraints: []string{"node.role==worker"}, Spread: []string{"node.id"}},
		Networks:  []NetworkAttachment{{Target: "shop_default", Aliases: []string{"web"}}},
		Ports:     []PortConfig{{Protocol: "tcp", Target: 80, Published: 8080, Mode: "host"}},
		Update:    &UpdateConfig{Parallelism: 1, Order: "start-first"},
	}
	got := sdkServiceSpec(s, 7)
	c := got.TaskTemplate.ContainerSpec
	switch {
	case got.Name != "shop_web" || *got.Mode.Replicated.Replicas != 3:
		t.Fatalf("name/mode: %+v", got)
	case c.Image != s.Container.Image || c.Command[0] != "/entry" || c.Args[0] != "serve" || *c.StopGracePeriod != grace:
		t.Fatalf("container: %+v", c)
	case c.Secrets[0].SecretID != "sec1" || c.Secrets[0].File.Name != "pw" || c.Secrets[0].File.Mode != 0o400:
		t.Fatalf("secret: %+v", c.Secrets[0])
	case c.Mounts[0].VolumeOptions.DriverConfig.Name != "local" || c.Mounts[0].VolumeOptions.Labels["k"] != "v" || c.Mounts[1].TmpfsOptions.SizeBytes != 1<<20:
		t.Fatalf("mounts: %+v", c.Mounts)
	case c.Healthcheck.Retries != 3 || got.TaskTemplate.ForceUpdate != 7:
		t.Fatalf("healthcheck/force: %+v %d", c.Healthcheck, got.TaskTemplate.ForceUpdate)
	case got.TaskTemplate.Placement.Preferences[0].Spread.SpreadDescriptor != "node.id":
		t.Fatalf("placement: %+v", got.TaskTemplate.Placement)
	case got.EndpointSpec.Ports[0].PublishMode != swarm.PortConfigPublishModeHost || got.EndpointSpec.Ports[0].PublishedPort != 8080:
		t.Fatalf("ports: %+v", got.EndpointSpec)
	case got.TaskTemplate.Networks[0].Target != "shop_default" || got.UpdateConfig.Order != "start-first":
		t.Fatalf("networks/update: %+v %+v", got.TaskTemplate.Networks, got.UpdateConfig)
	}
	// The spec's JSON form, which deploy hashes, leaves out object IDs.
	b, _ := json.Marshal(s)
	var back map[string]any
	_ = json.Unmarshal(b, &back)
	if secrets := back["container"].(map[string]any)["secrets"].([]any); secrets[0].(map[string]any)["id"] != nil {
		t.Fatalf("the JSON form carries the secret's ID: %s", b)
	}
}

func TestFromSDKService(t *testing.T) {
	two := uint64(2)
	svc := swarm.Service{ID: "s1", Meta: swarm.Meta{Version: swarm.Version{Index: 9}}}
	svc.Spec.Name = "shop_web"
	svc.Spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &two}
	svc.Spec.TaskTemplate.ContainerSpec = &swarm.ContainerSpec{Image: "web@sha256:1", Secrets: []*swarm.SecretReference{{SecretName: "pw"}}}
	svc.Spec.TaskTemplate.RestartPolicy = &swarm.RestartPolicy{Condition: "none"}
	svc.ServiceStatus = &swarm.ServiceStatus{RunningTasks: 1, DesiredTasks: 2}
	svc.UpdateStatus = &swarm.UpdateStatus{State: swarm.UpdateStateUpdating}
	svc.Endpoint.Ports = []swarm.PortConfig{{Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress"}, {Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress"}}
	s := fromSDKService(svc)
	if s.Version != 9 || s.Mode != ModeReplicated || *s.Replicas != 2 || s.Running != 1 || s.Desired != 2 ||
		s.UpdateState != "updating" || s.Secrets[0] != "pw" || s.RestartCondition != "none" || len(s.Ports) != 1 {
		t.Fatalf("%+v", s)
	}
}

func TestParseServiceLogLine(t *testing.T) {
	l := parseServiceLogLine("stderr", "2026-11-28T23:20:32.518774689Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello world")
	if l.TaskID != "t1" || l.NodeID != "n1" || l.Text != "hello world" || l.Stream != "stderr" || l.Time.IsZero() {
		t.Fatalf("%+v", l)
	}
	l = parseServiceLogLine("stdout", "no time here")
	if l.Text != "no time here" {
		t.Fatalf("%+v", l)
	}
}

func TestPinImage(t *testing.T) {
	const d = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	for ref, want := range map[string]string{
		"reg:5000/app:1": "reg:5000/app:1@" + d,
		"app":            "app@" + d,
		"app@" + d:       "app@" + d,
	} {
		if got, err := PinImage(ref, d); err != nil || got != want {
			t.Errorf("PinImage(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
}

func TestCredentials(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"auths": {"reg.local:5000": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("u:p")) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.Auth(context.Background(), "reg.local:5000/app:1")
	if err != nil || enc == "" {
		t.Fatalf("auth: %q %v", enc, err)
	}
	ac, err := registry.DecodeAuthConfig(enc)
	if err != nil || ac.Username != "u" || ac.Password != "p" || ac.ServerAddress != "reg.local:5000" {
		t.Fatalf("decoded %+v %v", ac, err)
	}
	if enc, err := c.Auth(context.Background(), "other.local/app"); err != nil || enc != "" {
		t.Fatalf("another registry: %q %v", enc, err)
	}
	// No config file: no logins.
	c, err = LoadCredentials(filepath.Join(dir, "none"))
	if err != nil {
		t.Fatal(err)
	}
	if enc, _ := c.Auth(context.Background(), "reg.local:5000/app"); enc != "" {
		t.Fatalf("no config, auth %q", enc)
	}
}

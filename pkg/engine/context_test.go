package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeContext stores a context as the docker CLI's context store does.
func writeContext(t *testing.T, dir, name, host string, tlsFiles map[string]string) {
	t.Helper()
	id := contextDir(name)
	meta := map[string]any{
		"Name":      name,
		"Metadata":  map[string]any{},
		"Endpoints": map[string]any{"docker": map[string]any{"Host": host, "SkipTLSVerify": false}},
	}
	b, _ := json.Marshal(meta)
	mdir := filepath.Join(dir, "contexts", "meta", id)
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mdir, "meta.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for f, content := range tlsFiles {
		tdir := filepath.Join(dir, "contexts", "tls", id, "docker")
		if err := os.MkdirAll(tdir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tdir, f), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestResolve(t *testing.T) {
	cfg := t.TempDir()
	writeContext(t, cfg, "second", "unix:///run/second.sock", nil)
	writeContext(t, cfg, "remote", "tcp://10.0.0.9:2376", map[string]string{"ca.pem": "CA"})
	withCurrent := t.TempDir()
	writeContext(t, withCurrent, "second", "unix:///run/second.sock", nil)
	if err := os.WriteFile(filepath.Join(withCurrent, "config.json"), []byte(`{"auths":{},"currentContext":"second"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(dir string, kv ...string) []string { return append([]string{"DOCKER_CONFIG=" + dir}, kv...) }
	tests := []struct {
		name                  string
		sel                   Selection
		context, source, host string
		err                   string
	}{
		{"nothing", Selection{Environ: env(cfg)}, "default", "default", "", ""},
		{"DOCKER_HOST", Selection{Environ: env(cfg, "DOCKER_HOST=tcp://1.2.3.4:2375")}, "default", "DOCKER_HOST", "tcp://1.2.3.4:2375", ""},
		{"DOCKER_CONTEXT", Selection{Environ: env(cfg, "DOCKER_CONTEXT=second")}, "second", "DOCKER_CONTEXT", "unix:///run/second.sock", ""},
		{"DOCKER_HOST wins over DOCKER_CONTEXT", Selection{Environ: env(cfg, "DOCKER_CONTEXT=second", "DOCKER_HOST=unix:///x.sock")}, "default", "DOCKER_HOST", "unix:///x.sock", ""},
		{"current context", Selection{Environ: env(withCurrent)}, "second", "current context", "unix:///run/second.sock", ""},
		{"DOCKER_CONTEXT wins over the current one", Selection{Environ: env(withCurrent, "DOCKER_CONTEXT=default")}, "default", "DOCKER_CONTEXT", "", ""},
		{"--context", Selection{Context: "second", Environ: env(cfg, "DOCKER_HOST=unix:///x.sock")}, "second", "--context", "unix:///run/second.sock", ""},
		{"--context default keeps DOCKER_HOST", Selection{Context: "default", Environ: env(withCurrent, "DOCKER_HOST=unix:///x.sock")}, "default", "--context", "unix:///x.sock", ""},
		{"-H", Selection{Host: "unix:///h.sock", Environ: env(withCurrent, "DOCKER_HOST=unix:///x.sock")}, "default", "--host", "unix:///h.sock", ""},
		{"-H and --context", Selection{Host: "unix:///h.sock", Context: "second", Environ: env(cfg)}, "", "", "", "conflicting options: cannot specify both --host and --context"},
		{"missing context", Selection{Context: "nope", Environ: env(cfg)}, "", "", "", `context "nope" (--context) does not exist`},
		{"ssh", Selection{Host: "ssh://me@box", Environ: env(cfg)}, "", "", "", "ssh:// engines are not supported"},
		{"TLS files", Selection{Context: "remote", Environ: env(cfg)}, "remote", "--context", "tcp://10.0.0.9:2376", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.sel)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "context, source, host", [3]string{got.Context, got.Source, got.Host}, [3]string{tt.context, tt.source, tt.host})
		})
	}
	remote, _ := Resolve(Selection{Context: "remote", Environ: env(cfg)})
	if remote.TLS == nil || string(remote.TLS.CA) != "CA" || remote.TLS.Cert != nil {
		t.Errorf("TLS files: %+v", remote.TLS)
	}
	if _, err := remote.tlsConfig(); err == nil || !strings.Contains(err.Error(), "ca.pem holds no certificate") {
		t.Errorf("a bad ca.pem: %v", err)
	}
	if got := configDir(map[string]string{"HOME": "/home/u"}); got != "/home/u/.docker" {
		t.Errorf("config dir %q", got)
	}
}

func TestNewDockerForContext(t *testing.T) {
	cfg := t.TempDir()
	writeContext(t, cfg, "second", "unix:///run/second.sock", nil)
	tgt, err := Resolve(Selection{Context: "second", Environ: []string{"DOCKER_CONFIG=" + cfg}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDockerFor(tgt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	equal(t, "host", d.Host(), "unix:///run/second.sock")
	equal(t, "target", d.Target().Context, "second")
}

func TestRegistryCredentials(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{"reg.example:5000":{"auth":"dTpw"}},"credsStore":"desktop","currentContext":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := registryCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["auths"].(map[string]any)["reg.example:5000"] == nil {
		t.Errorf("credentials: %s", b)
	}
	empty, err := registryCredentials(t.TempDir())
	if err != nil || !strings.Contains(string(empty), `"auths": {}`) {
		t.Errorf("no docker config: %s %v", empty, err)
	}
}

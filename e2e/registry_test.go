package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Credentials of the test registry; the bad ones have the wrong password.
const (
	registryUser = "stack"
	registryPass = "e2e-secret"
)

// TestRegistry runs testdata/registry/*.txtar against a registry of its
// own: Debian's docker-registry on 127.0.0.1 with htpasswd authentication,
// started by scripts/registry.sh (which installs it when missing). The
// scripts see $REGISTRY (host:port) and DOCKER_CONFIG set to a directory
// with the right credentials; $BAD_CONFIG and $NO_CONFIG are directories
// with wrong and no credentials.
func TestRegistry(t *testing.T) {
	t.Parallel()
	runScripts(t, scriptGroup{dir: "testdata/registry", before: startRegistry})
}

// startRegistry starts the group's registry, stopped when the test ends,
// and writes the docker config directories.
func startRegistry(t *testing.T) map[string]string {
	dir := filepath.Join(t.TempDir(), "registry")
	script := filepath.Join(repoRoot, "scripts", "registry.sh")
	out, err := exec.Command("bash", script, "start", dir, "127.0.0.1:0", registryUser+":"+registryPass).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		if os.Getenv("STACK_E2E_REQUIRED") == "" {
			t.Skipf("no local registry: %s", msg)
		}
		t.Fatalf("scripts/registry.sh start: %s", msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("bash", script, "stop", dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/registry.sh stop: %v: %s", err, out)
		}
	})
	addr := strings.TrimSpace(string(out))
	config := func(name, pass string) string {
		d := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if pass != "" {
			auth := base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + pass))
			content := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, addr, auth)
			if err := os.WriteFile(filepath.Join(d, "config.json"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	return map[string]string{
		"REGISTRY":      addr,
		"DOCKER_CONFIG": config("good", registryPass),
		"BAD_CONFIG":    config("bad", "wrong-password"),
		"NO_CONFIG":     config("none", ""),
	}
}

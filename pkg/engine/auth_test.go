package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/registry"
)

// writeConfig makes a docker config directory with config.json content.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeHelper puts docker-credential-NAME, a shell script, on PATH.
func writeHelper(t *testing.T, name, script string) {
	t.Helper()
	bin := t.TempDir()
	p := filepath.Join(bin, "docker-credential-"+name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestCredentialsFromHelpers(t *testing.T) {
	writeHelper(t, "store", `read server; echo "{\"ServerURL\":\"$server\",\"Username\":\"from-store\",\"Secret\":\"x\"}"`)
	writeHelper(t, "one", `read server; echo '{"Username":"<token>","Secret":"tok"}'`)
	writeHelper(t, "none", `echo "credentials not found in native keychain"; exit 1`)
	dir := writeConfig(t, `{"credsStore": "store", "credHelpers": {"one.test": "one", "none.test": "none"}}`)
	c, err := LoadCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	decode := func(ref string) registry.AuthConfig {
		t.Helper()
		enc, err := c.Auth(ctx, ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if enc == "" {
			return registry.AuthConfig{}
		}
		ac, err := registry.DecodeAuthConfig(enc)
		if err != nil {
			t.Fatal(err)
		}
		return *ac
	}
	if ac := decode("any.test/app"); ac.Username != "from-store" || ac.Password != "x" {
		t.Errorf("credsStore: %+v", ac)
	}
	if ac := decode("one.test/app"); ac.IdentityToken != "tok" && ac.Password != "tok" {
		t.Errorf("credHelpers with a token: %+v", ac)
	}
	if ac := decode("none.test/app"); ac != (registry.AuthConfig{}) {
		t.Errorf("a helper without a login: %+v", ac)
	}
}

func TestCredentialsFromAuths(t *testing.T) {
	// The docker CLI reads a login as "auth" (base64 user:password), as
	// "username" and "password", and under a key with scheme and path.
	dir := writeConfig(t, `{"auths": {
		"plain.test": {"username": "u", "password": "p"},
		"https://scheme.test/v1/": {"auth": "dTI6cDI="},
		"token.test": {"identitytoken": "tok"}
	}}`)
	c, err := LoadCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]registry.AuthConfig{
		"plain.test/app":    {Username: "u", Password: "p", ServerAddress: "plain.test"},
		"scheme.test/app:1": {Username: "u2", Password: "p2", ServerAddress: "scheme.test"},
		"token.test/app":    {IdentityToken: "tok", ServerAddress: "token.test"},
	} {
		enc, err := c.Auth(context.Background(), ref)
		if err != nil || enc == "" {
			t.Fatalf("%s: %q, %v", ref, enc, err)
		}
		ac, err := registry.DecodeAuthConfig(enc)
		if err != nil || *ac != want {
			t.Errorf("%s: %+v, %v; want %+v", ref, ac, err, want)
		}
	}
}

func TestDetachKeys(t *testing.T) {
	dir := writeConfig(t, `{"detachKeys": "ctrl-x,x"}`)
	if k, err := DetachKeys(dir); err != nil || k != "ctrl-x,x" {
		t.Errorf("DetachKeys = %q, %v", k, err)
	}
	if k, err := DetachKeys(t.TempDir()); err != nil || k != "" {
		t.Errorf("no file: %q, %v", k, err)
	}
	if _, err := DetachKeys(writeConfig(t, `{"detachKeys": `)); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("broken file: %v", err)
	}
}

func TestRegistryOf(t *testing.T) {
	for _, tc := range []struct{ ref, reg string }{
		{"127.0.0.1:5000/app:1", "127.0.0.1:5000"},
		{"localhost/app", "localhost"},
		{"reg.test/team/app@sha256:" + strings.Repeat("a", 64), "reg.test"},
	} {
		if got, err := RegistryOf(tc.ref); err != nil || got != tc.reg {
			t.Errorf("RegistryOf(%q) = %q, %v; want %q", tc.ref, got, err, tc.reg)
		}
	}
	if _, err := RegistryOf("Bad Ref"); err == nil {
		t.Error("no error for an invalid reference")
	}
}

func TestRegistryErrorIsOneClearLine(t *testing.T) {
	for _, tc := range []struct {
		reason string
		login  registryLogin
		want   []string
	}{
		{"unauthorized: authentication required", registryLogin{registry: "r:5", dir: "/tmp/c", header: "x"},
			[]string{`push image "r:5/a"`, "registry r:5 refused the login of /tmp/c/config.json", "docker login r:5"}},
		{"Head \"http://r:5/v2/a/manifests/1\": no basic auth credentials", registryLogin{registry: "r:5", dir: "/tmp/c"},
			[]string{"refused access and /tmp/c/config.json has no login for it", "docker login r:5"}},
		{"Get \"http://r:5/v2/\": dial tcp r:5: connect:\nconnection refused", registryLogin{registry: "r:5"},
			[]string{"registry r:5 cannot be reached", "connection refused"}},
		{"manifest unknown", registryLogin{registry: "r:5"}, []string{"from registry r:5: manifest unknown"}},
	} {
		msg := registryError("push", "r:5/a", tc.login, tc.reason).Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("%q: more than one line: %q", tc.reason, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q: message %q lacks %q", tc.reason, msg, w)
			}
		}
	}
}

func TestClassifyStreamAndRequestErrors(t *testing.T) {
	a := registryLogin{registry: "r:5", dir: "/tmp/c"}
	var re *RegistryError
	if err := a.classify("pull", "r:5/a", &streamError{op: "pull image", msg: "unauthorized: authentication required"}); !asRegistry(err, &re) || !re.Denied {
		t.Errorf("stream refusal: %v", err)
	}
	d := &Docker{}
	req := d.wrap(`pull image "r:5/a"`, errStr("Error response from daemon: Get \"http://r:5/v2/\": dial tcp r:5: connect: connection refused"))
	if err := a.classify("pull", "r:5/a", req); !asRegistry(err, &re) || !re.Unreachable || strings.Count(err.Error(), "pull image") != 1 {
		t.Errorf("request answer: %v", err)
	}
	if err := a.classify("pull", "r:5/a", &streamError{op: "pull image", msg: "manifest unknown"}); asRegistry(err, &re) {
		t.Errorf("another error became a registry error: %v", err)
	}
}

type errStr string

func (e errStr) Error() string { return string(e) }

func asRegistry(err error, re **RegistryError) bool {
	e, ok := err.(*RegistryError)
	*re = e
	return ok
}

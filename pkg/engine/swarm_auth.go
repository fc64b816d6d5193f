package engine

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/registry"
)

// Registry credentials, read where the docker CLI keeps them, so that a
// push and the swarm's pulls use the login of `docker login`.

// Credentials are the registry logins of one docker config directory.
type Credentials struct {
	dir string
	cfg dockerConfig
}

// dockerConfig is the part of the docker CLI's config.json about logins.
type dockerConfig struct {
	Auths map[string]struct {
		Auth string `json:"auth"`
		// Username and Password count when Auth is empty, as in the
		// docker CLI.
		Username      string `json:"username"`
		Password      string `json:"password"`
		IdentityToken string `json:"identitytoken"`
	} `json:"auths"`
	CredsStore  string            `json:"credsStore"`
	CredHelpers map[string]string `json:"credHelpers"`
}

// LoadCredentials reads dir/config.json. A missing file means no logins.
func LoadCredentials(dir string) (*Credentials, error) {
	c := &Credentials{dir: dir}
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("docker config: %w", err)
	}
	if err := json.Unmarshal(data, &c.cfg); err != nil {
		return nil, fmt.Errorf("docker config %s: %w", path, err)
	}
	return c, nil
}

// registryKeys are the keys the docker CLI may have stored the login of
// ref's registry under, the canonical one first.
func registryKeys(ref string) (string, []string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", nil, fmt.Errorf("image %q: %w", ref, err)
	}
	domain := reference.Domain(named)
	// The docker CLI keeps the login of the default registry (the domain
	// a bare name like "x" normalizes to) under its v1 index address.
	if probe, _ := reference.ParseNormalizedNamed("x"); probe != nil && domain == reference.Domain(probe) {
		index := "https://index." + domain + "/v1/"
		return index, []string{index}, nil
	}
	return domain, []string{domain, "https://" + domain, "http://" + domain, "https://" + domain + "/v1/", "https://" + domain + "/v2/"}, nil
}

// Auth returns the credential for the registry of image ref as an encoded
// X-Registry-Auth value, or "" when there is no login for it. A credential
// helper (credsStore, credHelpers) is run as the docker CLI runs it.
func (c *Credentials) Auth(ctx context.Context, ref string) (string, error) {
	server, keys, err := registryKeys(ref)
	if err != nil {
		return "", err
	}
	helper := c.cfg.CredHelpers[server]
	if helper == "" {
		helper = c.cfg.CredsStore
	}
	var ac registry.AuthConfig
	if helper != "" {
		ac, err = runHelper(ctx, helper, server)
		if err != nil {
			return "", err
		}
	} else {
		for _, k := range keys {
			if a, ok := c.cfg.Auths[k]; ok {
				ac, err = decodeAuth(a.Auth)
				if err != nil {
					return "", fmt.Errorf("docker config %s: login of %s: %w", filepath.Join(c.dir, "config.json"), k, err)
				}
				if a.Auth == "" {
					ac.Username, ac.Password = a.Username, a.Password
				}
				ac.IdentityToken = a.IdentityToken
				break
			}
		}
	}
	if ac.Username == "" && ac.Password == "" && ac.IdentityToken == "" {
		return "", nil
	}
	ac.ServerAddress = server
	return registry.EncodeAuthConfig(ac)
}

// decodeAuth splits a config's base64 "user:password".
func decodeAuth(s string) (registry.AuthConfig, error) {
	if s == "" {
		return registry.AuthConfig{}, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return registry.AuthConfig{}, fmt.Errorf("invalid auth: %w", err)
	}
	user, pass, ok := strings.Cut(string(b), ":")
	if !ok {
		return registry.AuthConfig{}, errors.New("invalid auth: no colon")
	}
	return registry.AuthConfig{Username: user, Password: pass}, nil
}

// runHelper asks docker-credential-<helper> for the login of server.
func runHelper(ctx context.Context, helper, server string) (registry.AuthConfig, error) {
	name := "docker-credential-" + helper
	cmd := exec.CommandContext(ctx, name, "get")
	cmd.Stdin = strings.NewReader(server)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(string(out) + " " + stderr.String())
		// The helper says so when it has no login for server.
		if strings.Contains(msg, "credentials not found") {
			return registry.AuthConfig{}, nil
		}
		return registry.AuthConfig{}, fmt.Errorf("credential helper %s for %s: %w %s", name, server, err, msg)
	}
	var res struct{ Username, Secret string }
	if err := json.Unmarshal(out, &res); err != nil {
		return registry.AuthConfig{}, fmt.Errorf("credential helper %s for %s: %w", name, server, err)
	}
	// A helper stores an identity token under the user "<token>".
	if res.Username == "<token>" {
		return registry.AuthConfig{IdentityToken: res.Secret}, nil
	}
	return registry.AuthConfig{Username: res.Username, Password: res.Secret}, nil
}

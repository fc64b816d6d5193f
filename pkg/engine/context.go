// Choosing the engine as the docker CLI does: -H/--host, --context,
// DOCKER_HOST, DOCKER_CONTEXT, the current context of the docker config
// directory, and the TLS material a context keeps.

package engine

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/docker/client"
)

// DefaultHost is the engine's address when nothing names one.
const DefaultHost = client.DefaultDockerHost

// DefaultContext is the name of the context that stands for the engine the
// flags and environment name (DOCKER_HOST, else the local socket).
const DefaultContext = "default"

// Environment variables the selection reads, as the docker CLI does.
const (
	EnvHost      = "DOCKER_HOST"
	EnvContext   = "DOCKER_CONTEXT"
	EnvConfigDir = "DOCKER_CONFIG"
)

// Selection says which engine to use: the docker CLI's -H/--host and
// --context flags, and the process environment.
type Selection struct {
	Host    string   // -H/--host
	Context string   // --context
	Environ []string // in os.Environ form; nil means os.Environ()
}

// Target is the engine a Selection resolves to.
type Target struct {
	// Context is the name of the context used: DefaultContext when the
	// engine comes from -H, DOCKER_HOST or nothing at all.
	Context string
	// Source says what chose the engine: "--host", "--context",
	// "DOCKER_HOST", "DOCKER_CONTEXT", "current context" or "default".
	Source string
	// Host is the engine's address; "" means the client's default
	// (unix:///var/run/docker.sock), or DOCKER_HOST for the default context.
	Host string
	// TLS is the TLS material of a named context (nil: none). For the
	// default context, TLS comes from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
	TLS *TLSFiles
	// SkipTLSVerify is a named context's choice not to verify the engine.
	SkipTLSVerify bool
	// ConfigDir is the docker config directory (DOCKER_CONFIG, else
	// ~/.docker).
	ConfigDir string
}

// TLSFiles are the PEM contents of a context's ca.pem, cert.pem and key.pem
// (each may be empty).
type TLSFiles struct {
	CA, Cert, Key []byte
}

// Resolve picks the engine as the docker CLI does: --context, else -H, else
// DOCKER_HOST (both mean the default context), else DOCKER_CONTEXT, else the
// currentContext of the docker config directory's config.json, else the
// default context. --context and -H together are an error, as in the docker
// CLI. A named context is read from the docker config directory's context
// store, TLS material included.
func Resolve(sel Selection) (Target, error) {
	env := envMap(sel.Environ)
	t := Target{ConfigDir: configDir(env)}
	if sel.Context != "" && sel.Host != "" {
		return Target{}, errors.New("conflicting options: cannot specify both --host and --context")
	}
	name := ""
	switch {
	case sel.Context != "":
		name, t.Source = sel.Context, "--context"
	case sel.Host != "":
		name, t.Source = DefaultContext, "--host"
		t.Host = sel.Host
	case env[EnvHost] != "":
		name, t.Source = DefaultContext, EnvHost
		t.Host = env[EnvHost]
	case env[EnvContext] != "":
		name, t.Source = env[EnvContext], EnvContext
	default:
		current, err := currentContext(t.ConfigDir)
		if err != nil {
			return Target{}, err
		}
		if current != "" {
			name, t.Source = current, "current context"
		} else {
			name, t.Source = DefaultContext, "default"
		}
	}
	t.Context = name
	if name == DefaultContext {
		if t.Host == "" {
			t.Host = env[EnvHost] // --context default still honours DOCKER_HOST
		}
		return t, checkHost(t)
	}
	if err := readContext(&t); err != nil {
		return Target{}, err
	}
	return t, checkHost(t)
}

// checkHost refuses addresses this client cannot reach, with a clear word
// rather than the client's.
func checkHost(t Target) error {
	if t.Host == "" {
		return nil
	}
	if strings.HasPrefix(t.Host, "ssh://") {
		return fmt.Errorf("engine %s (context %q): ssh:// engines are not supported; use a unix:// or tcp:// address, or a context with one", t.Host, t.Context)
	}
	if _, err := client.ParseHostURL(t.Host); err != nil {
		return fmt.Errorf("engine address %q (context %q): %w", t.Host, t.Context, err)
	}
	return nil
}

func envMap(environ []string) map[string]string {
	if environ == nil {
		environ = os.Environ()
	}
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// configDir is the docker config directory: DOCKER_CONFIG, else ~/.docker.
func configDir(env map[string]string) string {
	if d := env[EnvConfigDir]; d != "" {
		return d
	}
	home := env["HOME"]
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".docker")
}

// currentContext reads currentContext from config.json; "" when the file
// or the field is missing.
func currentContext(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	file := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the docker config: %w", err)
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("read the docker config %s: %w", file, err)
	}
	return cfg.CurrentContext, nil
}

// contextDir is the directory name the docker CLI's context store gives a
// context: the SHA-256 of its name.
func contextDir(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// readContext fills t from the context store: the docker endpoint's host
// and TLS settings, and its TLS files.
func readContext(t *Target) error {
	id := contextDir(t.Context)
	metaFile := filepath.Join(t.ConfigDir, "contexts", "meta", id, "meta.json")
	b, err := os.ReadFile(metaFile)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("context %q (%s) does not exist: see docker context ls", t.Context, t.Source)
	}
	if err != nil {
		return fmt.Errorf("read context %q: %w", t.Context, err)
	}
	var meta struct {
		Name      string
		Endpoints map[string]struct {
			Host          string
			SkipTLSVerify bool
		}
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return fmt.Errorf("read context %q: %s: %w", t.Context, metaFile, err)
	}
	ep, ok := meta.Endpoints["docker"]
	if !ok {
		return fmt.Errorf("context %q has no docker endpoint", t.Context)
	}
	t.Host = ep.Host
	t.SkipTLSVerify = ep.SkipTLSVerify
	tlsDir := filepath.Join(t.ConfigDir, "contexts", "tls", id, "docker")
	var files TLSFiles
	found := false
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"ca.pem", &files.CA}, {"cert.pem", &files.Cert}, {"key.pem", &files.Key}} {
		data, err := os.ReadFile(filepath.Join(tlsDir, f.name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("read TLS files of context %q: %w", t.Context, err)
		default:
			*f.dst, found = data, true
		}
	}
	if found {
		t.TLS = &files
	}
	return nil
}

// clientOpts are the options of an API client for t.
func (t Target) clientOpts() ([]client.Opt, error) {
	if t.Context == DefaultContext {
		// DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and
		// DOCKER_API_VERSION, as before contexts; -H wins over DOCKER_HOST.
		opts := []client.Opt{client.FromEnv}
		if t.Host != "" {
			opts = append(opts, client.WithHost(t.Host))
		}
		return opts, nil
	}
	opts := []client.Opt{client.WithHost(t.Host), client.WithVersionFromEnv()}
	if !strings.HasPrefix(t.Host, "tcp://") || (t.TLS == nil && !t.SkipTLSVerify) {
		return opts, nil
	}
	cfg, err := t.tlsConfig()
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, CheckRedirect: client.CheckRedirect}
	return append([]client.Opt{client.WithHTTPClient(hc)}, opts...), nil
}

// tlsConfig builds the client TLS configuration of a named context.
func (t Target) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.SkipTLSVerify} //nolint:gosec // the context asks for it
	if t.TLS == nil {
		return cfg, nil
	}
	if len(t.TLS.CA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.TLS.CA) {
			return nil, fmt.Errorf("context %q: ca.pem holds no certificate", t.Context)
		}
		cfg.RootCAs = pool
	}
	if len(t.TLS.Cert) > 0 && len(t.TLS.Key) > 0 {
		pair, err := tls.X509KeyPair(t.TLS.Cert, t.TLS.Key)
		if err != nil {
			return nil, fmt.Errorf("context %q: TLS certificate: %w", t.Context, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

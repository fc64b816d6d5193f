package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// Publisher is the part of Engine that sends images to their registries,
// with the logins of the docker config (see Credentials).
type Publisher interface {
	// PublishImage pushes ref to its registry with the login of the docker
	// config for it, passing each status line to progress (which may be
	// nil). A registry that refuses or cannot be reached gives a
	// *RegistryError.
	PublishImage(ctx context.Context, ref string, progress func(line string)) error
}

// RegistryError is a pull or push that a registry refused, or that could
// not reach it. Its message is one line naming the image, the registry and
// what to do.
type RegistryError struct {
	Op       string // "pull" or "push"
	Image    string
	Registry string
	// Denied: the registry refused the credentials sent (or their
	// absence); Unreachable: no connection to it.
	Denied, Unreachable bool
	// ConfigDir is the docker config directory the login was looked up
	// in; LoggedIn tells whether one was found and sent.
	ConfigDir string
	LoggedIn  bool
	// Reason is the engine's message.
	Reason string
}

func (e *RegistryError) Error() string {
	what := fmt.Sprintf("%s image %q", e.Op, e.Image)
	config := filepath.Join(e.ConfigDir, "config.json")
	switch {
	case e.Denied && !e.LoggedIn:
		return fmt.Sprintf("%s: registry %s refused access and %s has no login for it (log in with: docker login %s): %s",
			what, e.Registry, config, e.Registry, e.Reason)
	case e.Denied:
		return fmt.Sprintf("%s: registry %s refused the login of %s (log in again with: docker login %s): %s",
			what, e.Registry, config, e.Registry, e.Reason)
	case e.Unreachable:
		return fmt.Sprintf("%s: registry %s cannot be reached: %s", what, e.Registry, e.Reason)
	}
	return fmt.Sprintf("%s from registry %s: %s", what, e.Registry, e.Reason)
}

// registryError classifies the engine's message about a pull or push.
func registryError(op, image string, a registryLogin, reason string) *RegistryError {
	reason = strings.Join(strings.Fields(reason), " ")
	low := strings.ToLower(reason)
	e := &RegistryError{Op: op, Image: image, Registry: a.registry, ConfigDir: a.dir, LoggedIn: a.header != "", Reason: reason}
	for _, s := range []string{"unauthorized", "authentication required", "no basic auth credentials", "denied", "incorrect username or password"} {
		if strings.Contains(low, s) {
			e.Denied = true
			return e
		}
	}
	for _, s := range []string{"connection refused", "no such host", "i/o timeout", "dial tcp", "network is unreachable", "server gave http response to https client", "tls: ", "timeout exceeded"} {
		if strings.Contains(low, s) {
			e.Unreachable = true
			return e
		}
	}
	return e
}

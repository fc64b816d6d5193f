// What stack reads of the docker CLI's config directory besides the
// logins (swarm_auth.go): the registry of an image, the detach keys.

package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/distribution/reference"
)

// RegistryOf returns the registry an image reference is pulled from and
// pushed to: its host[:port], or the default registry of references
// without one.
func RegistryOf(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	return reference.Domain(named), nil
}

// DetachKeys returns the "detachKeys" of dir/config.json: the key sequence
// that leaves an attached container ("" when none is set or there is no
// file).
func DetachKeys(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("docker config: %w", err)
	}
	var cfg struct {
		DetachKeys string `json:"detachKeys"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("docker config %s: %w", path, err)
	}
	return cfg.DetachKeys, nil
}

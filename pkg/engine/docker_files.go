// Copying the files of secrets and configs into a created container.

package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
)

// copyFiles writes files into the created container id (named name), in
// one archive, before it starts. On failure the container is removed, so
// that no container without its secrets is left to be started later.
func (d *Docker) copyFiles(ctx context.Context, id, name string, files []File) error {
	if len(files) == 0 {
		return nil
	}
	err := d.putFiles(ctx, id, files)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("create container %q: %w", name, err)
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if rmErr := d.cli.ContainerRemove(rmCtx, id, container.RemoveOptions{Force: true}); rmErr != nil {
		return errors.Join(err, d.wrap(fmt.Sprintf("remove container %q", name), rmErr))
	}
	return err
}

func (d *Docker) putFiles(ctx context.Context, id string, files []File) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	keepOwner := false
	now := time.Now()
	for _, f := range files {
		content, err := d.fileContent(f)
		if err != nil {
			return fmt.Errorf("%s %q: %w", f.Kind, f.Name, err)
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     strings.TrimPrefix(f.Path, "/"),
			Mode:     f.Mode,
			Size:     int64(len(content)),
			ModTime:  now,
		}
		if f.KeepOwner {
			keepOwner = true
			hdr.Uid, hdr.Gid = f.UID, f.GID
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(content); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	// Entries without an owner are 0:0, the container's root, as they
	// would be without CopyUIDGID.
	err := d.cli.CopyToContainer(ctx, id, "/", &buf, container.CopyToContainerOptions{CopyUIDGID: keepOwner})
	if err != nil {
		return d.wrap(fmt.Sprintf("copy %s into the container", describeFiles(files)), err)
	}
	return nil
}

// describeFiles names the secrets and configs of files, never their values.
func describeFiles(files []File) string {
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, fmt.Sprintf("%s %q", f.Kind, f.Name))
	}
	return strings.Join(names, ", ")
}

// fileContent is what f holds.
func (d *Docker) fileContent(f File) ([]byte, error) {
	switch {
	case f.Credentials:
		return registryCredentials(d.target.ConfigDir)
	case f.HostFile != "":
		b, err := os.ReadFile(f.HostFile)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("read %s: %w", f.HostFile, pe.Err)
			}
			return nil, err
		}
		return b, nil
	}
	return f.Content, nil
}

// registryCredentials returns a docker config.json holding only the
// registry credentials ("auths") of the docker config in dir, for a
// container given the engine's socket (use_api_socket). Credentials kept
// by a credential helper are not resolved here.
func registryCredentials(dir string) ([]byte, error) {
	out := struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}{Auths: map[string]json.RawMessage{}}
	if dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, "config.json"))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("read the docker config: %w", err)
		default:
			var cfg struct {
				Auths map[string]json.RawMessage `json:"auths"`
			}
			if err := json.Unmarshal(b, &cfg); err != nil {
				return nil, fmt.Errorf("read the docker config %s: %w", filepath.Join(dir, "config.json"), err)
			}
			for k, v := range cfg.Auths {
				out.Auths[k] = v
			}
		}
	}
	return json.MarshalIndent(out, "", "\t")
}

// Commit, export and filesystem changes of Docker containers. Errors name
// the operation, not the container: the caller knows its name.

package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
)

// CommitContainer commits a container's changes to an image.
func (d *Docker) CommitContainer(ctx context.Context, id string, r CommitRequest) (string, error) {
	resp, err := d.cli.ContainerCommit(ctx, id, container.CommitOptions{
		Reference: r.Ref,
		Comment:   r.Message,
		Author:    r.Author,
		Changes:   r.Changes,
		Pause:     r.Pause,
		// An empty config changes nothing (the container's fills it) but
		// gives the request a body, which Podman's API requires.
		Config: &container.Config{},
	})
	if err != nil {
		return "", d.wrap("commit", err)
	}
	return resp.ID, nil
}

// ExportContainer streams a container's filesystem to w.
func (d *Docker) ExportContainer(ctx context.Context, id string, w io.Writer) error {
	op := "export"
	rc, err := d.cli.ContainerExport(ctx, id)
	if err != nil {
		return d.wrap(op, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// ContainerChanges lists the filesystem changes of a container.
func (d *Docker) ContainerChanges(ctx context.Context, id string) ([]Change, error) {
	list, err := d.cli.ContainerDiff(ctx, id)
	if err != nil {
		return nil, d.wrap("list changes", err)
	}
	out := make([]Change, 0, len(list))
	for _, c := range list {
		kind := "C"
		switch c.Kind {
		case container.ChangeAdd:
			kind = "A"
		case container.ChangeDelete:
			kind = "D"
		}
		out = append(out, Change{Kind: kind, Path: c.Path})
	}
	return out, nil
}

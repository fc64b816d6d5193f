// docker cp's copies between containers and this machine.

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/docker/docker/api/types/container"
	"github.com/moby/go-archive"
)

// CopyToContainer copies a local file, directory or tar stream into a
// container. Errors name the paths, not the container: the caller knows
// its name. The destination is stat-ed first (following a symbolic link
// at its end) to decide, as docker cp does, whether the source lands in it
// or takes its name; the source archive is rewritten on the fly for that.
func (d *Docker) CopyToContainer(ctx context.Context, id string, r CopyRequest) error {
	op := fmt.Sprintf("copy %s to %s", localName(r.Local), r.Path)
	dst := archive.CopyInfo{Path: r.Path}
	st, err := d.cli.ContainerStatPath(ctx, id, r.Path)
	if err == nil && st.Mode&os.ModeSymlink != 0 {
		target := st.LinkTarget
		if !path.IsAbs(target) {
			dir, _ := archive.SplitPathDirEntry(r.Path)
			target = path.Join(dir, target)
		}
		dst.Path = target
		st, err = d.cli.ContainerStatPath(ctx, id, target)
	}
	if err == nil {
		if !st.Mode.IsDir() && !st.Mode.IsRegular() {
			return fmt.Errorf("%s: the destination must be a directory or a regular file", op)
		}
		dst.Exists, dst.IsDir = true, st.Mode.IsDir()
	}
	// Any other stat error: the parent may still exist, and the engine
	// says clearly when it does not.

	var content io.Reader
	dir := dst.Path
	if r.Local == "-" {
		if !dst.IsDir {
			return fmt.Errorf("%s: with a tar stream the destination must be an existing directory", op)
		}
		content = r.In
	} else {
		local, err := absLocal(r.Local)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		src, err := archive.CopyInfoSourcePath(local, r.FollowLink)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		tar, err := archive.TarResource(src)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		defer tar.Close()
		var prepared io.ReadCloser
		dir, prepared, err = archive.PrepareArchiveCopy(tar, src, dst)
		if err != nil {
			return fmt.Errorf("%s: %w", op, copyError(err))
		}
		defer prepared.Close()
		content = prepared
	}
	err = d.cli.CopyToContainer(ctx, id, dir, content, container.CopyToContainerOptions{CopyUIDGID: r.Archive})
	return d.wrap(op, err)
}

// CopyFromContainer copies a container's file or directory to this
// machine, or its tar stream to r.Out.
func (d *Docker) CopyFromContainer(ctx context.Context, id string, r CopyRequest) error {
	op := fmt.Sprintf("copy %s to %s", r.Path, localName(r.Local))
	local := r.Local
	if local != "-" {
		var err error
		if local, err = absLocal(local); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	src := r.Path
	var rebase string
	if r.FollowLink {
		st, err := d.cli.ContainerStatPath(ctx, id, src)
		if err == nil && st.Mode&os.ModeSymlink != 0 {
			target := st.LinkTarget
			if !path.IsAbs(target) {
				dir, _ := archive.SplitPathDirEntry(src)
				target = path.Join(dir, target)
			}
			// The copy keeps the link's name for the target's content.
			src, rebase = archive.GetRebaseName(src, target)
		}
	}
	rc, st, err := d.cli.CopyFromContainer(ctx, id, src)
	if err != nil {
		return d.wrap(op, err)
	}
	defer rc.Close()
	if local == "-" {
		_, err := io.Copy(r.Out, rc)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	}
	info := archive.CopyInfo{Path: src, Exists: true, IsDir: st.Mode.IsDir(), RebaseName: rebase}
	var content io.Reader = rc
	if rebase != "" {
		_, base := archive.SplitPathDirEntry(src)
		rebased := archive.RebaseArchiveEntries(rc, base, rebase)
		defer rebased.Close()
		content = rebased
	}
	if err := archive.CopyTo(content, info, local); err != nil {
		return fmt.Errorf("%s: %w", op, copyError(err))
	}
	return nil
}

// absLocal makes a local path absolute, keeping a trailing "/" or "/."
// (which mean "a directory" and "its content" to the copy rules).
func absLocal(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return archive.PreserveTrailingDotOrSeparator(abs, p), nil
}

// localName is how errors name the local side.
func localName(local string) string {
	if local == "-" {
		return "a tar stream"
	}
	return local
}

// copyError rewords the archive package's terse errors.
func copyError(err error) error {
	switch {
	case errors.Is(err, archive.ErrCannotCopyDir):
		return errors.New("cannot copy a directory onto an existing file")
	case errors.Is(err, archive.ErrDirNotExists):
		return errors.New("the destination directory does not exist (a file cannot create it)")
	case errors.Is(err, archive.ErrNotDirectory):
		return errors.New("the destination's parent is not a directory")
	}
	return err
}

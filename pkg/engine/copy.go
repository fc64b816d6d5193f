package engine

import (
	"context"
	"io"
)

// Copier is the part of Engine that copies files and directories between
// containers and this machine (cp), as tar streams through the API: nothing
// is staged in a temporary copy. Like those of Monitor and Snapshotter, its
// errors name the operation and paths but not the container, whose name
// the caller adds.
type Copier interface {
	// CopyToContainer copies r.Local (a file or directory of this machine,
	// or with r.Local "-" the tar stream r.In) to r.Path in container id,
	// with the docker cp rules: into an existing directory, or under the
	// name r.Path when it does not exist.
	CopyToContainer(ctx context.Context, id string, r CopyRequest) error
	// CopyFromContainer copies r.Path of container id to r.Local (or with
	// r.Local "-" writes its tar stream to r.Out), with the same rules.
	CopyFromContainer(ctx context.Context, id string, r CopyRequest) error
}

// CopyRequest is one copy between a container and this machine.
type CopyRequest struct {
	// Path is the path in the container; relative paths are relative to
	// its working directory (docker cp's rule: to "/").
	Path string
	// Local is the path on this machine, or "-" for a tar stream on In
	// (to the container) or Out (from it).
	Local string
	In    io.Reader
	Out   io.Writer
	// FollowLink copies what a symbolic link at the source points to,
	// rather than the link.
	FollowLink bool
	// Archive keeps the owner (uid and gid) of the files copied into the
	// container; otherwise they belong to the container's root.
	Archive bool
}

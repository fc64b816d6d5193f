package engine

import (
	"context"
	"io"
)

// Snapshotter is the part of Engine that looks at and keeps a container's
// filesystem: commit it to an image, export it, list its changes.
type Snapshotter interface {
	// CommitContainer creates an image from container id's filesystem
	// changes and returns the image's ID.
	CommitContainer(ctx context.Context, id string, r CommitRequest) (string, error)
	// ExportContainer writes container id's filesystem to w as a tar
	// stream.
	ExportContainer(ctx context.Context, id string, w io.Writer) error
	// ContainerChanges lists what changed in container id's filesystem
	// since it was created from its image, as docker diff does.
	ContainerChanges(ctx context.Context, id string) ([]Change, error)
}

// CommitRequest is one commit of a container to an image.
type CommitRequest struct {
	// Ref names the image (REPOSITORY[:TAG]); empty leaves it untagged.
	Ref     string
	Message string
	Author  string
	// Changes are Dockerfile instructions applied to the image's config
	// (CMD, ENV, LABEL, EXPOSE, ...).
	Changes []string
	// Pause pauses the container while its filesystem is read.
	Pause bool
}

// Change is one filesystem change of a container.
type Change struct {
	// Kind is "A" (added), "C" (changed) or "D" (deleted), as docker diff
	// prints it.
	Kind string `json:"Kind"`
	Path string `json:"Path"`
}

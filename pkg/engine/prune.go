package engine

import "context"

// Pruner is the part of Engine that finds and removes a project's images
// (down --rmi).
type Pruner interface {
	// ProjectImages lists the tagged local images labelled with project
	// (those stack and Compose build for it).
	ProjectImages(ctx context.Context, project string) ([]ProjectImage, error)
	// RemoveImage untags ref and removes the image when no other tag or
	// container holds it; ErrNotFound when there is no such image,
	// ErrConflict when a container uses it.
	RemoveImage(ctx context.Context, ref string) error
}

// ProjectImage is a local image built for a service of a project.
type ProjectImage struct {
	ID string
	// Ref is the image's first tag.
	Ref     string
	Service string
}

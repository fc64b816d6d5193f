package engine

import (
	"context"
	"time"
)

// Operator is the part of Engine for the everyday container operations:
// restart, top and the like.
type Operator interface {
	// RestartContainer stops the container (killing it after timeout; nil:
	// the container's own stop timeout) and starts it again. A stopped
	// container is just started.
	RestartContainer(ctx context.Context, id string, timeout *time.Duration) error
	// TopContainer lists the processes running in a container, as ps shows
	// them with psArgs ("" is the engine's default, -ef).
	TopContainer(ctx context.Context, id, psArgs string) (Top, error)
	// ImageDetails returns a local image with its size and creation time;
	// ErrNotFound when it is not present.
	ImageDetails(ctx context.Context, ref string) (Image, error)
}

// Top is the process table of a container: one title per column and one
// row per process.
type Top struct {
	Titles    []string
	Processes [][]string
}

package engine

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
)

// RestartContainer restarts a container: stop (kill after timeout, rounded
// up to whole seconds; nil: the container's own stop timeout), then start.
func (d *Docker) RestartContainer(ctx context.Context, id string, timeout *time.Duration) error {
	var opts container.StopOptions
	if timeout != nil {
		secs := max(int(math.Ceil(timeout.Seconds())), 0)
		opts.Timeout = &secs
	}
	return d.wrap(fmt.Sprintf("restart container %q", d.names.of(id)), d.cli.ContainerRestart(ctx, id, opts))
}

// TopContainer lists the processes of a running container.
func (d *Docker) TopContainer(ctx context.Context, id, psArgs string) (Top, error) {
	var args []string
	if psArgs != "" {
		args = strings.Fields(psArgs)
	}
	resp, err := d.cli.ContainerTop(ctx, id, args)
	if err != nil {
		return Top{}, d.wrap(fmt.Sprintf("processes of container %q", d.names.of(id)), err)
	}
	return Top{Titles: resp.Titles, Processes: resp.Processes}, nil
}

// ImageDetails returns a local image with its size and creation time.
func (d *Docker) ImageDetails(ctx context.Context, ref string) (Image, error) {
	img, err := d.cli.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, d.wrap(fmt.Sprintf("inspect image %q", ref), err)
	}
	return Image{ID: img.ID, Tags: img.RepoTags, Size: img.Size, Created: parseTime(img.Created)}, nil
}

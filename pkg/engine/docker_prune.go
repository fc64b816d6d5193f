// A project's images, found by label and removed by reference.

package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
)

// ProjectImages lists the tagged images labelled with project, by
// reference.
func (d *Docker) ProjectImages(ctx context.Context, project string) ([]ProjectImage, error) {
	op := fmt.Sprintf("list images of project %q", project)
	if _, err := d.versionFor(ctx, op); err != nil {
		return nil, err
	}
	args := filters.NewArgs(filters.Arg("label", LabelProject+"="+project), filters.Arg("dangling", "false"))
	list, err := d.cli.ImageList(ctx, image.ListOptions{Filters: args})
	if err != nil {
		return nil, d.wrap(op, err)
	}
	var out []ProjectImage
	for _, img := range list {
		if len(img.RepoTags) == 0 {
			continue
		}
		out = append(out, ProjectImage{ID: img.ID, Ref: img.RepoTags[0], Service: img.Labels[LabelService]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out, nil
}

// RemoveImage removes the reference ref (and the image, when nothing else
// holds it), without forcing: an image a container uses stays.
func (d *Docker) RemoveImage(ctx context.Context, ref string) error {
	_, err := d.cli.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	return d.wrap(fmt.Sprintf("remove image %q", ref), err)
}

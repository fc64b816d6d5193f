package engine

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
)

// ImageIDs resolves image references to IDs with one list call. References
// that are not present, or that a list filter cannot match (digests, IDs),
// are left out of the result.
func (d *Docker) ImageIDs(ctx context.Context, refs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(refs) == 0 {
		return out, nil
	}
	if _, err := d.versionFor(ctx, "list images"); err != nil {
		return nil, err
	}
	f := filters.NewArgs()
	podman := d.isPodman(ctx)
	for _, r := range refs {
		// Podman's reference filter does not find its "localhost/NAME"
		// images by NAME: it lists them all.
		if !podman {
			f.Add("reference", r)
		}
	}
	list, err := d.cli.ImageList(ctx, image.ListOptions{Filters: f})
	if err != nil {
		return nil, d.wrap("list images", err)
	}
	want := map[string]bool{}
	for _, r := range refs {
		want[r] = true
		want[normalizeRef(r)] = true
	}
	for _, img := range list {
		for _, tag := range img.RepoTags {
			for _, r := range refs {
				if tag == r || tag == normalizeRef(r) || podman && podmanLocal(tag, r) {
					out[r] = img.ID
				}
			}
		}
	}
	return out, nil
}

// normalizeRef adds the implicit ":latest" tag to a reference without one.
func normalizeRef(ref string) string {
	slash := -1
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '/' {
			slash = i
			break
		}
	}
	for i := slash + 1; i < len(ref); i++ {
		if ref[i] == ':' || ref[i] == '@' {
			return ref
		}
	}
	return ref + ":latest"
}

// InspectImage returns a local image; ErrNotFound when it is not present.
func (d *Docker) InspectImage(ctx context.Context, ref string) (Image, error) {
	img, err := d.cli.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, d.wrap(fmt.Sprintf("inspect image %q", ref), err)
	}
	return Image{ID: img.ID, Tags: img.RepoTags, LastTagTime: img.Metadata.LastTagTime}, nil
}

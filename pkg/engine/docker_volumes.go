// The volume calls of Docker.

package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
)

// ListVolumes returns the volumes labelled with project.
func (d *Docker) ListVolumes(ctx context.Context, project string) ([]Volume, error) {
	op := fmt.Sprintf("list volumes of project %q", project)
	if _, err := d.versionFor(ctx, op); err != nil { // see ListNetworks
		return nil, err
	}
	return d.listVolumes(ctx, op, filters.NewArgs(filters.Arg("label", LabelProject+"="+project)))
}

// listVolumes returns the volumes args select, by name; op names the call
// in errors.
func (d *Docker) listVolumes(ctx context.Context, op string, args filters.Args) ([]Volume, error) {
	resp, err := d.cli.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return nil, d.wrap(op, err)
	}
	out := make([]Volume, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		if v != nil {
			out = append(out, fromVolume(*v))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func fromVolume(v volume.Volume) Volume {
	return Volume{Name: v.Name, Driver: v.Driver, Labels: v.Labels, Mountpoint: v.Mountpoint}
}

// InspectVolume finds a volume by name.
func (d *Docker) InspectVolume(ctx context.Context, name string) (Volume, error) {
	v, err := d.cli.VolumeInspect(ctx, name)
	if err != nil {
		return Volume{}, d.wrap(fmt.Sprintf("inspect volume %q", name), err)
	}
	return fromVolume(v), nil
}

// CreateVolume creates volume r.Key of project r.Project, named
// r.Config.Name (default "<project>_<key>") with Compose's labels. An
// external volume is never created: it is looked up, and ErrNotFound when
// missing. The engine returns an existing volume of the same name as is.
func (d *Docker) CreateVolume(ctx context.Context, r VolumeRequest) (Volume, error) {
	c := r.Config
	name := c.Name
	if name == "" {
		name = r.Project + "_" + r.Key
	}
	if c.External {
		v, err := d.InspectVolume(ctx, name)
		if err != nil {
			return Volume{}, fmt.Errorf("external volume %q of project %q: %w", name, r.Project, err)
		}
		return v, nil
	}
	labels := map[string]string{}
	for k, v := range c.Labels {
		labels[k] = v
	}
	for k, v := range c.CustomLabels {
		labels[k] = v
	}
	labels[LabelProject] = r.Project
	labels[LabelVolume] = r.Key
	labels[LabelVersion] = ComposeVersion
	labels[LabelStackHash] = VolumeHash(c)
	v, err := d.cli.VolumeCreate(ctx, volume.CreateOptions{
		Name:       name,
		Driver:     c.Driver,
		DriverOpts: c.DriverOpts,
		Labels:     labels,
	})
	if err != nil {
		return Volume{}, d.wrap(fmt.Sprintf("create volume %q", name), err)
	}
	return fromVolume(v), nil
}

// RemoveVolume removes a volume; one in use is ErrConflict.
func (d *Docker) RemoveVolume(ctx context.Context, name string) error {
	return d.wrap(fmt.Sprintf("remove volume %q", name), d.cli.VolumeRemove(ctx, name, false))
}

// Volumes that need the engine's Mount API rather than a bind string:
// create_host_path: false, recursive, volume labels and subpath, image and
// npipe volumes.

package engine

import (
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/mount"
)

// API versions that the Mount API options below need.
const (
	apiCreateMountpoint = "1.42"
	apiRecursiveRO      = "1.44"
	apiVolumeSubpath    = "1.45"
	apiImageMount       = "1.48"
)

// needAPI returns an error naming key when the engine is older than
// version. An unknown engine version ("") passes: the engine then answers.
func (b *builder) needAPI(key, version string) error {
	if b.api == "" || b.apiAtLeast(version) {
		return nil
	}
	return b.errf(key, "needs Docker Engine API %s or later (engine: %s)", version, b.api)
}

// mountAPI returns the mount for v when v uses an option that only the
// Mount API has; ok is false when a bind string (HostConfig.Binds) will do,
// which is what Compose sends then too.
func (b *builder) mountAPI(v types.ServiceVolumeConfig) (m mount.Mount, ok bool, err error) {
	m = mount.Mount{Target: v.Target, ReadOnly: v.ReadOnly}
	switch v.Type {
	case types.VolumeTypeBind:
		bind := v.Bind
		if bind == nil || (bool(bind.CreateHostPath) && bind.Recursive == "") {
			return m, false, nil
		}
		if bind.SELinux != "" {
			return m, false, b.errf("volumes", "bind mount of %q: selinux cannot be combined with create_host_path: false or recursive (the engine relabels only bind strings)", v.Target)
		}
		m.Type = mount.TypeBind
		m.Source = v.Source
		if !filepath.IsAbs(m.Source) {
			m.Source = filepath.Join(b.p.WorkingDir, m.Source)
		}
		m.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(bind.Propagation)}
		if bool(bind.CreateHostPath) && b.apiAtLeast(apiCreateMountpoint) {
			m.BindOptions.CreateMountpoint = true
		}
		switch bind.Recursive {
		case "", "enabled":
		case "disabled":
			m.BindOptions.NonRecursive = true
		case "writable":
			if err := b.needAPI("volumes.bind.recursive", apiRecursiveRO); err != nil {
				return m, false, err
			}
			m.BindOptions.ReadOnlyNonRecursive = true
		case "readonly":
			if err := b.needAPI("volumes.bind.recursive", apiRecursiveRO); err != nil {
				return m, false, err
			}
			m.BindOptions.ReadOnlyForceRecursive = true
		default:
			return m, false, b.errf("volumes.bind.recursive", "%q of %q is not enabled, disabled, writable or readonly", bind.Recursive, v.Target)
		}
		return m, true, nil
	case types.VolumeTypeVolume, "":
		vol := v.Volume
		if vol == nil || (len(vol.Labels) == 0 && vol.Subpath == "") {
			return m, false, nil
		}
		if vol.Subpath != "" {
			if err := b.needAPI("volumes.volume.subpath", apiVolumeSubpath); err != nil {
				return m, false, err
			}
		}
		m.Type = mount.TypeVolume
		if v.Source != "" {
			decl, declared := b.p.Volumes[v.Source]
			if !declared {
				return m, false, b.errf("volumes", "volume %q is not declared in the top-level volumes", v.Source)
			}
			m.Source = decl.Name
			if m.Source == "" {
				m.Source = b.p.Name + "_" + v.Source
			}
		}
		m.VolumeOptions = &mount.VolumeOptions{NoCopy: vol.NoCopy, Subpath: vol.Subpath, Labels: vol.Labels}
		return m, true, nil
	case types.VolumeTypeImage:
		if err := b.needAPI("volumes", apiImageMount); err != nil {
			return m, false, err
		}
		if v.Source == "" {
			return m, false, b.errf("volumes", "image volume of %q has no source image", v.Target)
		}
		m.Type = mount.TypeImage
		m.Source = v.Source
		if v.Image != nil && v.Image.SubPath != "" {
			m.ImageOptions = &mount.ImageOptions{Subpath: v.Image.SubPath}
		}
		return m, true, nil
	case types.VolumeTypeNamedPipe:
		m.Type = mount.TypeNamedPipe
		m.Source = v.Source
		return m, true, nil
	case types.VolumeTypeCluster:
		return m, false, b.errf("volumes", "cluster volume of %q exists only on a swarm (use stack deploy)", v.Target)
	}
	return m, false, nil
}

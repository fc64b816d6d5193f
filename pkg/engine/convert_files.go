// Secrets, configs and use_api_socket of a service, as Docker Compose
// provides them without a swarm: bind mounts of their files, or files
// copied into the container between create and start.

package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/mount"
)

// File is a file copied into a container after it is created and before it
// starts: a secret or config whose content is not a bind-mounted file (an
// environment or content source, or a file source with uid, gid or mode),
// or the registry credentials of use_api_socket. Its content never appears
// in errors or progress.
type File struct {
	// Kind is "secret" or "config"; Name its key in the top-level section.
	Kind, Name string
	// Path is the absolute path in the container.
	Path string
	// Content is the file's content; nil when HostFile or Credentials say
	// where to read it.
	Content []byte
	// HostFile is a file of this machine read when the file is copied.
	HostFile string
	// Credentials asks for the docker config's registry credentials, as a
	// config.json, read when the file is copied (use_api_socket).
	Credentials bool
	// UID and GID own the file when KeepOwner is set; otherwise it belongs
	// to the container's root.
	UID, GID  int
	KeepOwner bool
	// Mode holds the permission bits (default 0444).
	Mode int64
}

// Default targets of secrets and configs in a container, as in Compose.
const (
	secretsDir = "/run/secrets/"
	configsDir = "/"
	// apiSocket is where use_api_socket mounts the engine's socket, and
	// dockerConfigDir where it puts the credentials (DOCKER_CONFIG).
	apiSocket       = "/var/run/docker.sock"
	dockerConfigDir = "/run/secrets/docker"
)

// defaultFileMode is the mode of a copied secret or config without mode:.
const defaultFileMode = 0o444

// files maps the service's secrets and configs, then use_api_socket.
func (b *builder) files() error {
	type ref struct {
		kind, key string
		ref       types.FileReferenceConfig
		def       types.FileObjectConfig
		declared  bool
	}
	var refs []ref
	for i, r := range b.s.Secrets {
		def, ok := b.p.Secrets[r.Source]
		refs = append(refs, ref{"secret", fmt.Sprintf("secrets[%d]", i), types.FileReferenceConfig(r), types.FileObjectConfig(def), ok})
	}
	for i, r := range b.s.Configs {
		def, ok := b.p.Configs[r.Source]
		refs = append(refs, ref{"config", fmt.Sprintf("configs[%d]", i), types.FileReferenceConfig(r), types.FileObjectConfig(def), ok})
	}
	for _, r := range refs {
		if !r.declared {
			return b.errf(r.key, "%s %q is not declared in the top-level %ss", r.kind, r.ref.Source, r.kind)
		}
		if err := b.fileRef(r.kind, r.key, r.ref, r.def); err != nil {
			return err
		}
	}
	if b.s.UseAPISocket {
		return b.apiSocket()
	}
	return nil
}

// fileRef maps one secret or config reference (key names it in errors).
func (b *builder) fileRef(kind, key string, ref types.FileReferenceConfig, def types.FileObjectConfig) error {
	if def.External {
		return b.errf(key, "%s %q is external: external %ss exist only on a swarm (use stack deploy)", kind, ref.Source, kind)
	}
	if def.Driver != "" {
		return b.errf(key, "%s %q: driver is supported on a swarm only", kind, ref.Source)
	}
	if def.TemplateDriver != "" {
		return b.errf(key, "%s %q: template_driver is supported on a swarm only", kind, ref.Source)
	}
	target := fileTarget(kind, ref)
	if b.targetTaken(target) {
		return b.errf(key, "target %q of %s %q is also the target of a volume", target, kind, ref.Source)
	}
	f := File{Kind: kind, Name: ref.Source, Path: target, Mode: defaultFileMode}
	if ref.Mode != nil {
		f.Mode = int64(*ref.Mode)
		if f.Mode < 0 || f.Mode > 0o7777 {
			return b.errf(key+".mode", "%o is not a file mode", f.Mode)
		}
	}
	for _, id := range []struct {
		field, value string
		dst          *int
	}{{"uid", ref.UID, &f.UID}, {"gid", ref.GID, &f.GID}} {
		if id.value == "" {
			continue
		}
		n, err := strconv.Atoi(id.value)
		if err != nil || n < 0 {
			return b.errf(key+"."+id.field, "%q is not a numeric id", id.value)
		}
		*id.dst = n
		f.KeepOwner = true
	}
	switch {
	case def.Environment != "":
		v, ok := b.p.Environment[def.Environment]
		if !ok {
			return b.errf(key, "environment variable %q required by %s %q is not set", def.Environment, kind, ref.Source)
		}
		f.Content = []byte(v)
	case def.Content != "":
		f.Content = []byte(def.Content)
	case def.File != "":
		if ref.UID == "" && ref.GID == "" && ref.Mode == nil {
			// As Compose: the file itself, read-only, so that edits show.
			b.host.Mounts = append(b.host.Mounts, mount.Mount{
				Type: mount.TypeBind, Source: b.abs(def.File), Target: target, ReadOnly: true,
			})
			return nil
		}
		// uid, gid and mode need a copy: a bind mount shows the host's.
		f.HostFile = b.abs(def.File)
	default:
		return b.errf(key, "%s %q has no file, environment or content", kind, ref.Source)
	}
	if b.s.ReadOnly {
		return b.errf(key, "%s %q cannot be written into a read_only container: only a file source without uid, gid and mode can be mounted", kind, ref.Source)
	}
	b.fileList = append(b.fileList, f)
	return nil
}

// fileTarget is where a secret or config goes: the default directory plus
// its name, or its target, made absolute under that directory.
func fileTarget(kind string, ref types.FileReferenceConfig) string {
	dir := configsDir
	if kind == "secret" {
		dir = secretsDir
	}
	switch {
	case ref.Target == "":
		return dir + ref.Source
	case strings.HasPrefix(ref.Target, "/"):
		return path.Clean(ref.Target)
	default:
		return path.Clean(dir + ref.Target)
	}
}

// targetTaken reports whether a volume, tmpfs or earlier file of the
// service already uses target.
func (b *builder) targetTaken(target string) bool {
	for _, v := range b.s.Volumes {
		if path.Clean(v.Target) == target {
			return true
		}
	}
	for _, m := range b.host.Mounts {
		if m.Target == target {
			return true
		}
	}
	return slices.ContainsFunc(b.fileList, func(f File) bool { return f.Path == target })
}

// abs resolves a path of the stack file against the project directory
// (compose-go has usually done so already).
func (b *builder) abs(p string) string {
	if path.IsAbs(p) {
		return p
	}
	return path.Join(b.p.WorkingDir, p)
}

// apiSocket gives the container the engine's socket and, unless the
// service sets DOCKER_CONFIG itself, the registry credentials of the docker
// config, as Compose's use_api_socket does.
func (b *builder) apiSocket() error {
	if b.targetTaken(apiSocket) {
		return b.errf("use_api_socket", "%s is already the target of a volume", apiSocket)
	}
	b.host.Binds = append(b.host.Binds, apiSocket+":"+apiSocket)
	if _, set := b.s.Environment["DOCKER_CONFIG"]; set {
		return nil
	}
	b.cfg.Env = append(b.cfg.Env, "DOCKER_CONFIG="+dockerConfigDir)
	sort.Strings(b.cfg.Env)
	b.fileList = append(b.fileList, File{
		Kind: "config", Name: "use_api_socket", Path: dockerConfigDir + "/config.json",
		Credentials: true, Mode: defaultFileMode,
	})
	return nil
}

// filesDigest is a digest of what Files copies, for the stack hash: a
// changed secret or config value recreates the container. A file read from
// this machine counts by its path only.
func filesDigest(files []File) []string {
	out := make([]string, 0, len(files))
	for _, f := range files {
		sum := sha256.Sum256(f.Content)
		out = append(out, fmt.Sprintf("%s:%s:%s:%d:%d:%t:%o:%t:%s", f.Kind, f.Name, f.Path, f.UID, f.GID, f.KeepOwner, f.Mode, f.Credentials, f.HostFile)+
			":"+hex.EncodeToString(sum[:]))
	}
	return out
}

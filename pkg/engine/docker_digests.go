// Resolving image references to digests (config --resolve-image-digests).

package engine

import (
	"context"
	"fmt"
	"strings"
)

// ImageDigest returns the content digest (sha256:...) that ref stands for:
// the repository digest the local image was pulled with, else the
// registry's answer, asked through the engine.
func (d *Docker) ImageDigest(ctx context.Context, ref string) (string, error) {
	repo := repository(ref)
	img, err := d.cli.ImageInspect(ctx, ref)
	if err == nil {
		for _, rd := range img.RepoDigests {
			name, digest, ok := strings.Cut(rd, "@")
			if ok && (name == repo || strings.HasSuffix(name, "/"+repo)) {
				return digest, nil
			}
		}
	}
	di, err := d.cli.DistributionInspect(ctx, ref, "")
	if err != nil {
		return "", d.wrap(fmt.Sprintf("resolve the digest of image %q", ref), err)
	}
	return string(di.Descriptor.Digest), nil
}

// repository is ref without its tag or digest.
func repository(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

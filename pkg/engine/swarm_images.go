package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
)

// Images for a swarm: every node pulls a service's image from its
// registry, so deploy pushes what it built and pins each image to the
// digest the registry has.

// noAuth is the X-Registry-Auth of no credential: an empty JSON object.
// The engine refuses a push without the header.
const noAuth = "e30="

// ResolveImage asks the engine (which asks the registry) for the digest of
// ref, and returns ref pinned to it: "name:tag@sha256:...". A reference
// that already has a digest is returned as it is.
func (d *Docker) ResolveImage(ctx context.Context, ref, auth string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", ref, err)
	}
	if _, ok := named.(reference.Digested); ok {
		return ref, nil
	}
	op := fmt.Sprintf("resolve image %q", ref)
	if _, err := d.versionFor(ctx, op); err != nil {
		return "", err
	}
	di, err := d.cli.DistributionInspect(ctx, ref, auth)
	if err != nil {
		return "", d.wrap(op, err)
	}
	return PinImage(ref, di.Descriptor.Digest.String())
}

// PinImage returns ref with digest added, keeping its tag as written:
// "host/app:1" and "sha256:ab..." give "host/app:1@sha256:ab...". An empty
// digest returns ref unchanged.
func PinImage(ref, digest string) (string, error) {
	if digest == "" {
		return ref, nil
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", ref, err)
	}
	if d, ok := named.(reference.Digested); ok {
		if d.Digest().String() == digest {
			return ref, nil
		}
		return "", fmt.Errorf("image %q is pinned to another digest than %s", ref, digest)
	}
	return ref + "@" + digest, nil
}

// PushImage pushes ref to its registry, passing each status line to
// progress (which may be nil), and returns the digest of what was pushed.
func (d *Docker) PushImage(ctx context.Context, ref, auth string, progress func(string)) (string, error) {
	op := fmt.Sprintf("push image %q", ref)
	if auth == "" {
		auth = noAuth
	}
	rc, err := d.cli.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: auth})
	if err != nil {
		return "", d.wrap(op, err)
	}
	defer rc.Close()
	var digest string
	err = readMessages(ctx, rc, op, func(m jsonmessage.JSONMessage) {
		if m.Aux != nil {
			var res struct{ Digest string }
			if json.Unmarshal(*m.Aux, &res) == nil && res.Digest != "" {
				digest = res.Digest
			}
			return
		}
		if progress != nil && m.Status != "" {
			progress(statusLine(m))
		}
	})
	if err != nil {
		return "", err
	}
	if digest == "" {
		return "", fmt.Errorf("%s: the engine reported no digest", op)
	}
	return digest, nil
}

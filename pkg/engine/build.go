package engine

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
)

// Builder is the part of Engine that builds and pulls images.
type Builder interface {
	// BuildImage builds the image r describes and tags it with r.Tags. Each
	// line of the build's output is passed to progress (which may be nil)
	// as it arrives. It returns the ID of the image built; a failed build
	// is an error that carries the builder's message.
	BuildImage(ctx context.Context, r BuildRequest, progress func(line string)) (imageID string, err error)
	// PullImage pulls ref from its registry, passing each status line to
	// progress (which may be nil). An image that cannot be found, or a
	// registry that cannot be reached, is an error; the caller bounds the
	// attempt with ctx.
	PullImage(ctx context.Context, ref string, progress func(line string)) error
}

// BuildRequest is one image build, from a service's build section.
type BuildRequest struct {
	// Build is the service's build section. Its Context is a directory
	// (compose-go makes it absolute) or a remote context (a Git or HTTP
	// URL). A relative Dockerfile is taken from the context; one outside
	// the context, or DockerfileInline, is sent along with it.
	Build types.BuildConfig
	// Tags name the image; the first is the image the service runs.
	Tags []string
	// Args override or add build arguments (--build-arg); a nil value takes
	// the variable from the environment of the builder, as Build.Args does.
	Args map[string]*string
	// Labels are added to Build.Labels.
	Labels map[string]string
	// NoCache builds every step afresh; Pull always pulls the base images.
	NoCache bool
	Pull    bool
	// Quiet asks the builder for no step output, only the result.
	Quiet bool
	// Memory limits the memory of the build's containers, in bytes (0: no
	// limit).
	Memory int64
}

// Loading less than a whole project, for stack config: the merged model
// without interpolation, normalization or path resolution.

package project

import (
	"context"

	"github.com/compose-spec/compose-go/v2/loader"
)

// ModelOptions skip steps of the loading, as Docker Compose's config flags
// do (--no-interpolate, --no-normalize, ...).
type ModelOptions struct {
	NoInterpolate    bool // variables stay as written
	NoNormalize      bool // no default network, no implied values
	NoPathResolution bool // relative paths stay relative
	NoConsistency    bool // references between parts are not checked
	NoEnvResolution  bool // env_file is not merged into environment
}

func (m ModelOptions) apply(lo *loader.Options) {
	lo.SkipInterpolation = lo.SkipInterpolation || m.NoInterpolate
	lo.SkipNormalization = lo.SkipNormalization || m.NoNormalize
	lo.ResolvePaths = lo.ResolvePaths && !m.NoPathResolution
	lo.SkipResolveEnvironment = lo.SkipResolveEnvironment || m.NoEnvResolution
}

// LoadModel finds, reads and merges the stack files as Load does and
// returns the merged model as a map, before it becomes a project: what
// `config --no-interpolate` prints and `config --variables` reads. Schema
// validation is skipped when skipValidation (a file with variables left in
// may not validate).
func LoadModel(ctx context.Context, o Options, skipValidation bool) (map[string]any, error) {
	l, details, opts, err := prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	if skipValidation {
		opts = append(opts, loader.WithSkipValidation)
	}
	m, err := loader.LoadModelWithContext(ctx, details, opts...)
	if err != nil {
		return nil, l.explain(ctx, details, opts, err)
	}
	return m, nil
}

package stack

import (
	"maps"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
)

// BuildDefinition is one image build as Build would run it (build
// --print): stack's own JSON, not a bake file, since stack builds with the
// engine's classic builder rather than BuildKit.
type BuildDefinition struct {
	Service string `json:"service"`
	// Image is the image built; Tags are its other names (build.tags).
	Image            string             `json:"image"`
	Tags             []string           `json:"tags,omitempty"`
	Context          string             `json:"context"`
	Dockerfile       string             `json:"dockerfile,omitempty"`
	DockerfileInline string             `json:"dockerfile_inline,omitempty"`
	Target           string             `json:"target,omitempty"`
	Args             map[string]*string `json:"args,omitempty"`
	Labels           map[string]string  `json:"labels,omitempty"`
	Platforms        []string           `json:"platforms,omitempty"`
	Network          string             `json:"network,omitempty"`
	NoCache          bool               `json:"no_cache,omitempty"`
	Pull             bool               `json:"pull,omitempty"`
	Memory           int64              `json:"memory,omitempty"`
}

// BuildDefinitions returns the builds Build would run with o, one per
// distinct image, in service name order, without building anything.
func BuildDefinitions(p *types.Project, o BuildOptions) ([]BuildDefinition, error) {
	builds, err := selectBuilds(p, o.Services)
	if err != nil {
		return nil, err
	}
	sort.Slice(builds, func(i, j int) bool { return builds[i].service.Name < builds[j].service.Name })
	seen := map[string]bool{}
	out := []BuildDefinition{}
	for _, b := range builds {
		svc := b.service
		ref := ImageName(p, svc)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		bc := svc.Build
		args := map[string]*string{}
		maps.Copy(args, bc.Args)
		maps.Copy(args, o.Args)
		labels := map[string]string{}
		maps.Copy(labels, bc.Labels)
		maps.Copy(labels, buildLabels(p, svc))
		out = append(out, BuildDefinition{
			Service: svc.Name, Image: ref, Tags: bc.Tags, Context: bc.Context,
			Dockerfile: bc.Dockerfile, DockerfileInline: bc.DockerfileInline, Target: bc.Target,
			Args: args, Labels: labels, Platforms: bc.Platforms, Network: bc.Network,
			NoCache: o.NoCache || bc.NoCache, Pull: o.Pull || bc.Pull, Memory: o.Memory,
		})
	}
	return out, nil
}

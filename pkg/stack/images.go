package stack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ContainerImage is the image a container of the project runs.
type ContainerImage struct {
	Container  string    `json:"ContainerName"`
	Service    string    `json:"-"`
	Repository string    `json:"Repository"`
	Tag        string    `json:"Tag"`
	ID         string    `json:"ID"`
	Size       int64     `json:"Size"`
	Created    time.Time `json:"Created"`
}

// Images lists the images of the containers of services (all when empty),
// stopped containers included, in the order of Ps. Each image is inspected
// once.
func (s *Stack) Images(ctx context.Context, project string, services []string) ([]ContainerImage, error) {
	cs, err := s.Ps(ctx, project, PsOptions{All: true, Services: services})
	if err != nil {
		return nil, err
	}
	var keys []string
	refs := map[string]engine.Image{}
	for _, c := range cs {
		if _, ok := refs[imageRef(c)]; !ok {
			refs[imageRef(c)] = engine.Image{}
			keys = append(keys, imageRef(c))
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	// Range over keys, not refs: the workers write refs.
	for _, ref := range keys {
		g.Go(func() error {
			img, err := s.engine.ImageDetails(gctx, ref)
			if err != nil && !errors.Is(err, engine.ErrNotFound) {
				return err
			}
			mu.Lock()
			refs[ref] = img
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]ContainerImage, 0, len(cs))
	for _, c := range cs {
		img := refs[imageRef(c)]
		repo, tag := splitImage(c.Image, img.Tags)
		id := img.ID
		if id == "" {
			id = c.Labels[engine.LabelImage]
		}
		out = append(out, ContainerImage{Container: c.Name, Service: c.Service, Repository: repo, Tag: tag, ID: id, Size: img.Size, Created: img.Created})
	}
	return out, nil
}

// imageRef is how to find the image of c: the image ID Compose's label
// records (the name may have moved to another image since), else its name.
func imageRef(c engine.Container) string {
	if id := c.Labels[engine.LabelImage]; strings.HasPrefix(id, "sha256:") {
		return id
	}
	return c.Image
}

// splitImage returns the repository and tag the container was created
// from, or, when it was created from an ID, of the image's first tag.
func splitImage(name string, tags []string) (repo, tag string) {
	if strings.HasPrefix(name, "sha256:") || name == "" {
		if len(tags) == 0 {
			return "<none>", "<none>"
		}
		name = tags[0]
	}
	if i := strings.IndexByte(name, '@'); i >= 0 {
		return name[:i], "<none>"
	}
	// A colon after the last slash separates the tag; one before it is a
	// registry port.
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		return name[:i], name[i+1:]
	}
	return name, "latest"
}

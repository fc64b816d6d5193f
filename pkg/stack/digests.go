package stack

import (
	"context"
	"errors"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// digestResolver is the engine call ImageDigests makes.
type digestResolver interface {
	ImageDigest(ctx context.Context, ref string) (string, error)
}

// ErrNoDigests is returned by ImageDigests on an engine that cannot
// resolve digests.
var ErrNoDigests = errors.New("this engine cannot resolve image digests")

// ImageDigests pins image references to their content digests, as
// `config --resolve-image-digests` prints them: "name:tag@sha256:...". A
// reference that already has a digest is kept.
func (s *Stack) ImageDigests(ctx context.Context, refs []string) (map[string]string, error) {
	r, ok := s.engine.(digestResolver)
	if !ok {
		return nil, ErrNoDigests
	}
	out := make(map[string]string, len(refs))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	var todo []string
	for _, ref := range refs {
		if strings.Contains(ref, "@") {
			out[ref] = ref
		} else {
			todo = append(todo, ref)
		}
	}
	for _, ref := range todo {
		g.Go(func() error {
			digest, err := r.ImageDigest(gctx, ref)
			if err != nil {
				return err
			}
			mu.Lock()
			out[ref] = ref + "@" + digest
			mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

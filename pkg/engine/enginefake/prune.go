package enginefake

import (
	"context"
	"fmt"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ProjectImages knows no built image.
func (f *Engine) ProjectImages(context.Context, string) ([]engine.ProjectImage, error) {
	return nil, nil
}

// RemoveImage forgets ref.
func (f *Engine) RemoveImage(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("RemoveImage", ref)
	if !f.images[ref] {
		return fmt.Errorf("image %q: %w", ref, engine.ErrNotFound)
	}
	delete(f.images, ref)
	return nil
}

package enginefake

import (
	"context"
	"io"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The calls of the container commands (cp, stats, commit, export, diff,
// push): recorded, and as plain as the tests of the other packages need.

// CopyToContainer reads a tar stream it is given to its end.
func (f *Engine) CopyToContainer(_ context.Context, id string, r engine.CopyRequest) error {
	if err := f.recordOn("CopyToContainer", id); err != nil {
		return err
	}
	if r.Local == "-" && r.In != nil {
		_, err := io.Copy(io.Discard, r.In)
		return err
	}
	return nil
}

// CopyFromContainer copies nothing.
func (f *Engine) CopyFromContainer(_ context.Context, id string, _ engine.CopyRequest) error {
	return f.recordOn("CopyFromContainer", id)
}

// ContainerStats reports one empty sample.
func (f *Engine) ContainerStats(_ context.Context, id string, _ bool, fn func(engine.Stats) error) error {
	if err := f.recordOn("ContainerStats", id); err != nil {
		return err
	}
	return fn(engine.Stats{Read: f.Now()})
}

// CommitContainer makes no image and returns a made-up ID.
func (f *Engine) CommitContainer(_ context.Context, id string, r engine.CommitRequest) (string, error) {
	if err := f.recordOn("CommitContainer", id); err != nil {
		return "", err
	}
	if r.Ref != "" {
		f.mu.Lock()
		f.images[r.Ref] = true
		f.mu.Unlock()
	}
	return "sha256:commit", nil
}

// ExportContainer writes nothing.
func (f *Engine) ExportContainer(_ context.Context, id string, _ io.Writer) error {
	return f.recordOn("ExportContainer", id)
}

// ContainerChanges reports no change.
func (f *Engine) ContainerChanges(_ context.Context, id string) ([]engine.Change, error) {
	return nil, f.recordOn("ContainerChanges", id)
}

// PublishImage succeeds.
func (f *Engine) PublishImage(_ context.Context, ref string, _ func(string)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("PublishImage", ref)
	return nil
}

// recordOn records a call on container id by its name.
func (f *Engine) recordOn(method, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return err
	}
	f.record(method, c.c.Name)
	return nil
}

package stack

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The Copier, Monitor, Snapshotter, Publisher and Pruner parts of
// fakeEngine.
// Copies record the container, paths and, for a tar stream, its length;
// a running container's stats are fixed numbers; a commit makes the image
// present; pushes succeed unless a failure is injected for "PublishImage
// <ref>".

func (f *fakeEngine) CopyToContainer(_ context.Context, id string, r engine.CopyRequest) error {
	name, err := f.recordOn("CopyToContainer", id, func(name string) string {
		return fmt.Sprintf("%s %s -> %s", name, r.Local, r.Path)
	})
	if err != nil {
		return err
	}
	if r.Local == "-" {
		n, err := io.Copy(io.Discard, r.In)
		if err != nil {
			return err
		}
		f.mu.Lock()
		f.calls = append(f.calls, fmt.Sprintf("CopyStream %s %d", name, n))
		f.mu.Unlock()
	}
	return nil
}

func (f *fakeEngine) CopyFromContainer(_ context.Context, id string, r engine.CopyRequest) error {
	name, err := f.recordOn("CopyFromContainer", id, func(name string) string {
		return fmt.Sprintf("%s %s -> %s", name, r.Path, r.Local)
	})
	if err == nil && r.Local == "-" {
		_, err = fmt.Fprintf(r.Out, "tar of %s:%s", name, r.Path)
	}
	return err
}

func (f *fakeEngine) ContainerStats(ctx context.Context, id string, stream bool, fn func(engine.Stats) error) error {
	f.mu.Lock()
	c, err := f.byID(id)
	if err == nil {
		err = f.record("ContainerStats", c.c.Name)
	}
	f.mu.Unlock()
	if err != nil {
		return err
	}
	st := engine.Stats{Read: time.Now(), CPUPercent: 12.5, MemUsage: 1 << 20, MemLimit: 1 << 30, MemPercent: 100.0 / 1024, NetRx: 1000, NetTx: 2000, PIDs: 1}
	for {
		if err := fn(st); err != nil || !stream {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (f *fakeEngine) CommitContainer(_ context.Context, id string, r engine.CommitRequest) (string, error) {
	if _, err := f.recordOn("CommitContainer", id, func(name string) string { return name + " " + r.Ref }); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Ref != "" {
		f.images[r.Ref] = true
	}
	return "sha256:commit-of-" + id[len(id)-4:], nil
}

func (f *fakeEngine) ExportContainer(_ context.Context, id string, w io.Writer) error {
	name, err := f.recordOn("ExportContainer", id, func(name string) string { return name })
	if err == nil {
		_, err = fmt.Fprintf(w, "tar of %s", name)
	}
	return err
}

func (f *fakeEngine) ContainerChanges(_ context.Context, id string) ([]engine.Change, error) {
	if _, err := f.recordOn("ContainerChanges", id, func(name string) string { return name }); err != nil {
		return nil, err
	}
	return []engine.Change{{Kind: "C", Path: "/tmp"}, {Kind: "A", Path: "/tmp/new"}, {Kind: "A", Path: "/etc/added"}}, nil
}

func (f *fakeEngine) PublishImage(_ context.Context, ref string, progress func(string)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("PublishImage", ref); err != nil {
		return err
	}
	if progress != nil {
		progress("The push refers to repository [" + ref + "]")
	}
	return nil
}

// ProjectImages takes the images named "<project>-<service>" (what the
// fake builds) for those built for project.
func (f *fakeEngine) ProjectImages(_ context.Context, project string) ([]engine.ProjectImage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.ProjectImage
	for ref := range f.images {
		if svc, ok := strings.CutPrefix(ref, project+"-"); ok {
			out = append(out, engine.ProjectImage{ID: "sha256:" + ref, Ref: ref, Service: svc})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out, nil
}

func (f *fakeEngine) RemoveImage(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("RemoveImage", ref); err != nil {
		return err
	}
	if !f.images[ref] {
		return fmt.Errorf("image %q: %w", ref, engine.ErrNotFound)
	}
	for _, c := range f.containers {
		if c.c.Image == ref {
			return fmt.Errorf("image %q is used by %s: %w", ref, c.c.Name, engine.ErrConflict)
		}
	}
	delete(f.images, ref)
	return nil
}

// recordOn records a call on container id, described by what(name), and
// returns the container's name and the injected failure for
// "Method <name>".
func (f *fakeEngine) recordOn(method, id string, what func(name string) string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return "", err
	}
	f.calls = append(f.calls, method+" "+what(c.c.Name))
	return c.c.Name, f.fail[method+" "+c.c.Name]
}

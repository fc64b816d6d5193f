package stack

import (
	"context"
	"fmt"
	"strings"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The Builder and Executor parts of fakeEngine. Builds and pulls succeed
// (and make the image present) unless a failure is injected for
// "BuildImage <first tag>" or "PullImage <ref>"; an exec writes its command
// to stdout and exits 0; an attachment writes one line to stdout.

func (f *fakeEngine) BuildImage(_ context.Context, r engine.BuildRequest, progress func(string)) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ref := ""
	if len(r.Tags) > 0 {
		ref = r.Tags[0]
	}
	if err := f.record("BuildImage", ref); err != nil {
		return "", err
	}
	if progress != nil {
		progress("Step 1/1 : FROM busybox")
	}
	for _, t := range r.Tags {
		f.images[t] = true
	}
	return "sha256:" + ref, nil
}

func (f *fakeEngine) PullImage(_ context.Context, ref string, progress func(string)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("PullImage", ref); err != nil {
		return err
	}
	if progress != nil {
		progress("latest: Pulling from " + ref)
	}
	f.images[ref] = true
	return nil
}

func (f *fakeEngine) Exec(_ context.Context, id string, r engine.ExecRequest) (int, error) {
	f.mu.Lock()
	c, err := f.byID(id)
	if err == nil {
		err = f.record("Exec", c.c.Name+" "+strings.Join(r.Cmd, " "))
	}
	f.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if r.Stdout != nil && !r.Detach {
		fmt.Fprintln(r.Stdout, strings.Join(r.Cmd, " "))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(r.Cmd) > 0 {
		return f.execExit[r.Cmd[0]], nil
	}
	return 0, nil
}

func (f *fakeEngine) AttachContainer(_ context.Context, id string, s engine.Streams) (func() error, error) {
	f.mu.Lock()
	c, err := f.byID(id)
	if err == nil {
		err = f.record("AttachContainer", c.c.Name)
	}
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return func() error {
		if s.Stdout != nil {
			fmt.Fprintf(s.Stdout, "hello from %s\n", c.c.Name)
		}
		return nil
	}, nil
}

func (f *fakeEngine) ResizeContainer(_ context.Context, id string, size engine.TermSize) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.record("ResizeContainer", fmt.Sprintf("%s %dx%d", id, size.Width, size.Height))
}

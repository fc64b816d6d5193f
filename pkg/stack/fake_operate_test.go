package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The Operator methods of the fake engine.

func (f *fakeEngine) RestartContainer(ctx context.Context, id string, timeout *time.Duration) error {
	f.mu.Lock()
	c, err := f.byID(id)
	if err == nil {
		err = f.record("RestartContainer", c.c.Name)
	}
	f.mu.Unlock()
	if err != nil {
		return err
	}
	f.mu.Lock()
	running := c.running
	if running {
		c.running, c.finish = false, time.Now()
		f.publish(engine.Event{Action: "die", ID: id, Name: c.c.Name, Service: c.c.Service, Project: c.c.Project, ExitCode: "0"})
	}
	c.running, c.started, c.finish = true, time.Now(), time.Time{}
	f.publish(engine.Event{Action: "start", ID: id, Name: c.c.Name, Service: c.c.Service, Project: c.c.Project})
	f.mu.Unlock()
	return nil
}

func (f *fakeEngine) TopContainer(_ context.Context, id, _ string) (engine.Top, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return engine.Top{}, err
	}
	if err := f.record("TopContainer", c.c.Name); err != nil {
		return engine.Top{}, err
	}
	if !c.running {
		return engine.Top{}, fmt.Errorf("container %s is not running: %w", c.c.Name, engine.ErrConflict)
	}
	return engine.Top{Titles: []string{"PID", "CMD"}, Processes: [][]string{{"1", "sleep " + c.c.Name}}}, nil
}

func (f *fakeEngine) ImageDetails(_ context.Context, ref string) (engine.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ImageDetails", ref); err != nil {
		return engine.Image{}, err
	}
	if !f.images[ref] {
		return engine.Image{}, fmt.Errorf("image %q: %w", ref, engine.ErrNotFound)
	}
	return engine.Image{ID: "sha256:" + ref, Tags: []string{ref + ":latest"}, Size: 1234567, Created: time.Unix(1700000000, 0)}, nil
}

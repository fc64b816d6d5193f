package stack

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ciFake is the fake engine with what up --wait and a foreground up need
// besides: WaitContainer that blocks while the container runs, a stop that
// leaves the code of a SIGTERM'd process, health output, several log lines
// honouring Tail, and hooks to change a container's state from a test.
type ciFake struct {
	*fakeEngine
	// healthOutput is the last probe output InspectContainer reports, by
	// container name.
	healthOutput map[string]string
	// logLines is how many lines Logs has for each container.
	logLines int
	// afterInspect, when set, is called after each InspectContainer.
	afterInspect func(name string)

	imu      sync.Mutex
	inspects map[string]int // by container name
}

func newCIFake() *ciFake {
	return &ciFake{fakeEngine: newFake(), healthOutput: map[string]string{}, logLines: 30, inspects: map[string]int{}}
}

// find returns the container called name; f.mu must be held.
func (f *ciFake) find(name string) *fakeContainer {
	for _, c := range f.containers {
		if c.c.Name == name {
			return c
		}
	}
	panic("no container " + name)
}

// setHealth changes the health status of a container and publishes the
// event, as the engine does when a probe changes it.
func (f *ciFake) setHealth(name, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.find(name)
	c.health = status
	f.publish(engine.Event{Action: "health_status: " + status, ID: c.c.ID, Name: name, Service: c.c.Service, Project: c.c.Project})
}

// exitNow makes a running container exit with code.
func (f *ciFake) exitNow(name string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.find(name)
	c.running, c.code, c.finish = false, code, time.Now()
	f.publish(engine.Event{Action: "die", ID: c.c.ID, Name: name, Service: c.c.Service, Project: c.c.Project, ExitCode: strconv.Itoa(code)})
}

// inspected returns how many times the container called name was inspected.
func (f *ciFake) inspected(name string) int {
	f.imu.Lock()
	defer f.imu.Unlock()
	return f.inspects[name]
}

func (f *ciFake) InspectContainer(ctx context.Context, id string) (engine.ContainerDetails, error) {
	d, err := f.fakeEngine.InspectContainer(ctx, id)
	if err != nil {
		return d, err
	}
	f.mu.Lock()
	d.HealthOutput = f.healthOutput[d.Name]
	if !d.Running && !d.FinishedAt.IsZero() {
		d.State = "exited"
	}
	f.mu.Unlock()
	f.imu.Lock()
	f.inspects[d.Name]++
	f.imu.Unlock()
	if f.afterInspect != nil {
		f.afterInspect(d.Name)
	}
	return d, nil
}

// WaitContainer blocks until the container is not running, as the engine's
// "not-running" wait does.
func (f *ciFake) WaitContainer(ctx context.Context, id string) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, errs := f.fakeEngine.Events(ctx, engine.Filter{})
	for {
		f.mu.Lock()
		c, err := f.byID(id)
		var running bool
		var code int
		if err == nil {
			running, code = c.running, c.code
		}
		f.mu.Unlock()
		if err != nil {
			return 0, err
		}
		if !running {
			return code, nil
		}
		select {
		case <-events:
		case err := <-errs:
			return 0, err
		}
	}
}

// StopContainer leaves the exit code of a process ended by SIGTERM.
func (f *ciFake) StopContainer(ctx context.Context, id string, timeout *time.Duration) error {
	f.mu.Lock()
	if c, ok := f.containers[id]; ok && c.running {
		c.code = 143
	}
	f.mu.Unlock()
	return f.fakeEngine.StopContainer(ctx, id, timeout)
}

// Logs writes f.logLines numbered lines, or the last Tail of them.
func (f *ciFake) Logs(_ context.Context, id string, o engine.LogOptions, stdout, _ io.Writer) error {
	f.mu.Lock()
	c, err := f.byID(id)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	first := 1
	if n, err := strconv.Atoi(o.Tail); err == nil && n < f.logLines {
		first = f.logLines - n + 1
	}
	for i := first; i <= f.logLines; i++ {
		if _, err := fmt.Fprintf(stdout, "%s line %d\n", c.c.Name, i); err != nil {
			return err
		}
	}
	return nil
}

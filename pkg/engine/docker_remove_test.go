package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// Two parties removing one container at once (down and an agent pruning its
// job runs, two downs): the engine refuses the second with "removal ... is
// already in progress". The container is going, which is what both asked.
func TestDockerRemoveWhileRemovalInProgress(t *testing.T) {
	et := newEngineTest(t)
	d := et.d
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := et.load(t, "services:\n  web:\n    image: ${IMAGE}\n    command: [sleep, \"3600\"]\n")
	et.setUp(ctx, t, p)
	for round := 0; round < 3; round++ {
		c, err := d.CreateContainer(ctx, et.request(t, p, "web", round+1))
		if err != nil {
			t.Fatal(err)
		}
		id := c.ID
		if err := d.StartContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = d.RemoveContainer(ctx, id, RemoveOptions{Force: true})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatalf("round %d: %v, want nil or ErrNotFound", round, err)
			}
		}
		if _, err := d.InspectContainer(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("round %d: the container is still there: %v", round, err)
		}
	}
}

package deploy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Images: every node pulls a service's image from its registry. Deploy
// pushes what it built, and pins each service to the digest its registry
// has, so that all nodes run the same image and a tag pushed anew is a
// change to deploy.

// resolveTimeout bounds one digest lookup: a manager without access to an
// image's registry may try for a long time.
const resolveTimeout = 20 * time.Second

// images pushes the images of services with a build section (o.Push) and
// pins the others to their digest as o.ResolveImage says.
func (d *Deployer) images(ctx context.Context, desired *Desired, s *State, o DeployOptions) error {
	current := map[string]engine.Service{}
	for _, svc := range s.Services {
		current[svc.Name] = svc
	}
	pinned := map[string]string{} // image -> pinned reference
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(d.parallel)
	todo := map[string]bool{}
	for i := range desired.Services {
		svc := &desired.Services[i]
		ref := svc.Spec.Container.Image
		pushed := svc.Build != nil && o.Push
		if cur, ok := current[svc.Spec.Name]; ok && !pushed && o.ResolveImage == ResolveChanged && cur.Labels[engine.LabelStackImage] == ref {
			// Unchanged image: keep the digest the last deploy found.
			svc.Spec.Container.Image = cur.Image
			continue
		}
		if todo[ref] || (!pushed && o.ResolveImage == ResolveNever) {
			continue
		}
		todo[ref] = true
		g.Go(func() error {
			var out string
			var err error
			if pushed {
				out, err = d.push(gctx, svc.Key, ref, o)
			} else {
				out = d.resolve(gctx, svc.Key, ref, o)
			}
			mu.Lock()
			pinned[ref] = out
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i := range desired.Services {
		c := &desired.Services[i].Spec.Container
		if p, ok := pinned[c.Image]; ok && p != "" {
			c.Image = p
		}
	}
	return nil
}

// push pushes ref (of service key) and returns it pinned to the digest
// pushed. A dry run pushes nothing and pins nothing.
func (d *Deployer) push(ctx context.Context, key, ref string, o DeployOptions) (string, error) {
	ev := stack.Event{Kind: stack.KindImage, Name: ref, Service: key}
	status := func(st stack.Status, done bool, text string) {
		e := ev
		e.Status, e.Done, e.Text = st, done, text
		d.emit(e)
	}
	status(StatusPushing, false, "")
	if o.DryRun {
		status(StatusPushed, true, "dry run")
		return ref, nil
	}
	auth, err := authFor(ctx, o, ref)
	if err != nil {
		return "", err
	}
	digest, err := d.eng.PushImage(ctx, ref, auth, func(line string) { status(StatusPushing, false, line) })
	if err != nil {
		e := ev
		e.Status, e.Done, e.Error = stack.StatusError, true, "push failed"
		d.emit(e)
		return "", fmt.Errorf("service %q: %w", key, err)
	}
	status(StatusPushed, true, digest)
	return engine.PinImage(ref, digest)
}

// resolve asks the swarm for the digest of ref. A failure is a warning:
// the nodes then pull the tag (or use an image they have) on their own.
func (d *Deployer) resolve(ctx context.Context, key, ref string, o DeployOptions) string {
	auth, err := authFor(ctx, o, ref)
	if err == nil {
		rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		var out string
		out, err = d.eng.ResolveImage(rctx, ref, auth)
		cancel()
		if err == nil {
			return out
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("no answer from its registry within %s", resolveTimeout)
		}
	}
	if ctx.Err() == nil {
		d.emit(stack.Event{Kind: stack.KindImage, Name: ref, Service: key, Status: stack.StatusWarning, Done: true,
			Text: fmt.Sprintf("not pinned to a digest, each node uses the tag as it finds it (%v); --resolve-image never skips the lookup", err)})
	}
	return ""
}

func authFor(ctx context.Context, o DeployOptions, ref string) (string, error) {
	if o.Auth == nil {
		return "", nil
	}
	return o.Auth(ctx, ref)
}

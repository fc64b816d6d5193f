package stack

import (
	"context"
	"errors"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
)

// textWatchStop is the service event of an up --watch that stops.
const textWatchStop = "stopping... (press Ctrl+C again to force)"

// UpWatch brings the project up and watches it, as docker compose watch
// (up.Attach nil) and up --watch (up.Attach set) do:
//
//   - Up with up's options, without following logs; services that have
//     both a build section and develop.watch rules are built afresh
//     (their pull_policy taken as build), as Compose does before a watch;
//   - then Watch with w until ctx ends, following meanwhile, with
//     up.Attach, the logs of the services into it (containers recreated
//     by a rebuild included);
//   - with up.Attach, the project's containers are stopped when ctx ends
//     (killed when up.Kill closes) and ctx's error returned; without, they
//     are left running and nil is returned.
//
// The watch rules are checked before anything is created (CheckWatch).
func (s *Stack) UpWatch(ctx context.Context, p *types.Project, up UpOptions, w WatchOptions) error {
	if err := CheckWatch(p, w.Services); err != nil {
		return err
	}
	logs := up.Attach
	up.Attach = nil
	built := p
	for name, svc := range p.Services {
		if svc.Build != nil && svc.Develop != nil && !up.NoBuild {
			if built == p {
				built = copyServices(p)
			}
			svc.PullPolicy = types.PullPolicyBuild
			built.Services[name] = svc
		}
	}
	if err := s.Up(ctx, built, up); err != nil {
		return err
	}

	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if logs != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Ends with ctx, or when nothing followed runs any more; the
			// watch goes on.
			_ = s.Logs(wctx, p.Name, logs, LogsOptions{Services: up.Services, Follow: true})
		}()
	}
	err := s.Watch(wctx, p, w)
	cancel()
	wg.Wait()
	if logs == nil {
		return err
	}
	if ctx.Err() != nil || err != nil {
		if serr := s.stopWatched(ctx, p, up); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// stopWatched stops the project's containers after an up --watch, on a
// fresh bounded context; a close of up.Kill turns the stop into a kill.
func (s *Stack) stopWatched(ctx context.Context, p *types.Project, up UpOptions) error {
	s.emit(Event{Kind: KindService, Name: p.Name, Status: StatusStopping, Text: textWatchStop})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
	defer cancel()
	stopped := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-up.Kill:
			cancel()
		case <-stopped:
		}
	}()
	err := s.Stop(sctx, p.Name, p, StopOptions{Timeout: up.Timeout})
	close(stopped)
	<-done
	select {
	case <-up.Kill:
		kctx, kcancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
		defer kcancel()
		return s.Kill(kctx, p.Name, p, KillOptions{})
	default:
	}
	return err
}

// copyServices returns p with a copy of its services map, to change
// services without touching the caller's project.
func copyServices(p *types.Project) *types.Project {
	c := *p
	c.Services = make(types.Services, len(p.Services))
	for k, v := range p.Services {
		c.Services[k] = v
	}
	return &c
}

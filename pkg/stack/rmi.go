package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Modes of down --rmi.
const (
	RemoveImagesLocal = "local"
	RemoveImagesAll   = "all"
)

// DownImages returns the images that down --rmi mode removes, each once,
// only those present on the engine, as docker compose down decides:
//
//   - "local": the images built for the project's services (those of an
//     inactive profile too): labelled with the project (stack and Compose
//     label what they build), or with the name a service without an image
//     key builds, <project>-<service>;
//   - "all": those, and the image key of every service.
//
// Without a stack file (p nil) the labelled images of every service are
// taken, and with "all" the images of the project's containers. Call it
// before Down: the containers are gone after.
func (s *Stack) DownImages(ctx context.Context, name string, p *types.Project, mode string) ([]string, error) {
	if mode != RemoveImagesLocal && mode != RemoveImagesAll {
		return nil, fmt.Errorf("invalid --rmi value %q: use local or all", mode)
	}
	var refs []string
	add := func(ref string) {
		ref = withTag(ref)
		if ref != "" && !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	built, err := s.engine.ProjectImages(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, img := range built {
		// With a file, only the images of its services (Compose's rule).
		if p == nil || inProject(p, img.Service) {
			add(img.Ref)
		}
	}
	var named []string
	switch {
	case p != nil:
		// Services of an inactive profile are the project's too.
		for _, services := range []types.Services{p.Services, p.DisabledServices} {
			for _, svc := range sortedKeys(services) {
				sc := services[svc]
				if sc.Image == "" || mode == RemoveImagesAll {
					named = append(named, ImageName(p, sc))
				}
			}
		}
	case mode == RemoveImagesAll:
		cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: name, All: true})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			named = append(named, c.Image)
		}
	}
	present, err := s.engine.ImageIDs(ctx, named)
	if err != nil {
		return nil, err
	}
	for _, ref := range named {
		if _, ok := present[ref]; ok {
			add(ref)
		}
	}
	return refs, nil
}

// withTag adds the implicit ":latest" to a reference without a tag or
// digest, so that a name and its tagged form count once.
func withTag(ref string) string {
	last := ref[strings.LastIndexByte(ref, '/')+1:]
	if ref == "" || strings.ContainsAny(last, ":@") {
		return ref
	}
	return ref + ":latest"
}

// RemoveImages removes the image references refs, reporting each; one
// already gone is skipped, one a container still uses is a warning (as in
// Compose, where down goes on). With dryRun it only reports.
func (s *Stack) RemoveImages(ctx context.Context, refs []string, dryRun bool) error {
	var errs []error
	for _, ref := range refs {
		ev := Event{Kind: KindImage, Name: ref, Status: StatusRemoving}
		s.emit(ev)
		var err error
		if !dryRun {
			err = s.engine.RemoveImage(ctx, ref)
		}
		switch {
		case err == nil:
			ev.Status = StatusRemoved
		case errors.Is(err, engine.ErrNotFound):
			ev.Status, ev.Text = StatusSkipped, "already removed"
		case errors.Is(err, engine.ErrConflict):
			ev.Status, ev.Text, ev.Error = StatusWarning, "still in use", err.Error()
		default:
			ev.Status, ev.Error = StatusError, err.Error()
			errs = append(errs, err)
		}
		ev.Done = true
		s.emit(ev)
	}
	return errors.Join(errs...)
}

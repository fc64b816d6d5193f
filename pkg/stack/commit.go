package stack

import (
	"context"
	"fmt"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Status values of commits.
const (
	StatusCommitting Status = "Committing"
	StatusCommitted  Status = "Committed"
)

// CommitOptions tune Commit.
type CommitOptions struct {
	Service string
	// Index is the container number; 0 means the service's first.
	Index int
	// Ref names the new image (REPOSITORY[:TAG]); empty leaves it
	// untagged.
	Ref     string
	Message string
	Author  string
	// Changes are Dockerfile instructions applied to the image (-c).
	Changes []string
	// Pause pauses the container during the commit.
	Pause  bool
	DryRun bool
}

// Commit creates an image from the filesystem changes of a service's
// container (running or not, one-off containers after the service's own)
// and returns the image's ID, which it also reports in the container's
// last event ("Committed", text "as sha256:...").
func (s *Stack) Commit(ctx context.Context, project string, o CommitOptions) (string, error) {
	c, err := s.pickContainer(ctx, project, o.Service, o.Index, true)
	if err != nil {
		return "", err
	}
	ev := Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusCommitting}
	s.emit(ev)
	id := ""
	if !o.DryRun {
		id, err = s.engine.CommitContainer(ctx, c.ID, engine.CommitRequest{
			Ref: o.Ref, Message: o.Message, Author: o.Author, Changes: o.Changes, Pause: o.Pause,
		})
		if err != nil {
			ev.Status, ev.Done, ev.Error = StatusError, true, err.Error()
			s.emit(ev)
			return "", fmt.Errorf("container %q: %w", c.Name, err)
		}
		ev.Text = "as " + id
	}
	ev.Status, ev.Done = StatusCommitted, true
	s.emit(ev)
	return id, nil
}

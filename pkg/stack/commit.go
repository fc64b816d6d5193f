package stack

import (
	"context"

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
	id := ""
	err = s.containerStep(c, StatusCommitting, StatusCommitted, "", o.DryRun, func() (string, error) {
		var err error
		id, err = s.engine.CommitContainer(ctx, c.ID, engine.CommitRequest{
			Ref: o.Ref, Message: o.Message, Author: o.Author, Changes: o.Changes, Pause: o.Pause,
		})
		return "as " + id, err
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

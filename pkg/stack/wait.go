package stack

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
)

// waitReady blocks until every started container of run is running and,
// where it has a healthcheck, healthy (up --wait). TODO: implement.
func (s *Stack) waitReady(ctx context.Context, p *types.Project, run *running, o UpOptions) error {
	return nil
}

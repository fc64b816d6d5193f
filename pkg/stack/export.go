package stack

import (
	"context"
	"io"
)

// Status values of exports.
const (
	StatusExporting Status = "Exporting"
	StatusExported  Status = "Exported"
)

// ExportOptions tune Export.
type ExportOptions struct {
	Service string
	// Index is the container number; 0 means the service's first.
	Index  int
	DryRun bool
}

// Export writes the filesystem of a service's container (running or not,
// one-off containers after the service's own) to w as a tar stream.
func (s *Stack) Export(ctx context.Context, project string, w io.Writer, o ExportOptions) error {
	c, err := s.pickContainer(ctx, project, o.Service, o.Index, true)
	if err != nil {
		return err
	}
	return s.containerStep(c, StatusExporting, StatusExported, "", o.DryRun, func() (string, error) {
		return "", s.engine.ExportContainer(ctx, c.ID, w)
	})
}

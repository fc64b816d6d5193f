package display

import (
	"io"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Formats of ls --format.
const (
	LsTable = formatTable
	LsJSON  = formatJSON
)

// WriteProjects writes projects as a table (NAME STATUS CONFIG FILES) or
// a JSON array.
func WriteProjects(w io.Writer, format string, ps []stack.ProjectSummary) error {
	header := []string{"NAME", "STATUS", "CONFIG FILES"}
	return writeList(w, format, header, ps, func(p stack.ProjectSummary) []string {
		return []string{p.Name, p.Status, p.ConfigFiles}
	})
}

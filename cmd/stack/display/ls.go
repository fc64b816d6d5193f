package display

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Formats of ls --format.
const (
	LsTable = "table"
	LsJSON  = "json"
)

// WriteProjects writes projects as a table (NAME STATUS CONFIG FILES) or
// a JSON array.
func WriteProjects(w io.Writer, format string, ps []stack.ProjectSummary) error {
	switch format {
	case "", LsTable:
		tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATUS\tCONFIG FILES")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, p.Status, p.ConfigFiles)
		}
		return tw.Flush()
	case LsJSON:
		if ps == nil {
			ps = []stack.ProjectSummary{}
		}
		b, err := json.Marshal(ps)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return fmt.Errorf("unsupported format %q: use table or json", format)
}

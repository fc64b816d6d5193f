package display

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// WriteTop writes the process table of each container as Compose does:
// the container's name, then its processes in aligned columns, a blank
// line between containers.
func WriteTop(w io.Writer, tops []stack.ContainerTop) error {
	for i, t := range tops {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, t.Container)
		tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.Titles, "\t"))
		for _, p := range t.Processes {
			fmt.Fprintln(tw, strings.Join(p, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

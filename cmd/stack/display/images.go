package display

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	units "github.com/docker/go-units"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Formats of images --format.
const (
	ImagesTable = "table"
	ImagesJSON  = "json"
)

// WriteImages writes the images of containers: a table (CONTAINER
// REPOSITORY TAG IMAGE ID SIZE), or a JSON array.
func WriteImages(w io.Writer, format string, imgs []stack.ContainerImage) error {
	switch format {
	case "", ImagesTable:
		tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		fmt.Fprintln(tw, "CONTAINER\tREPOSITORY\tTAG\tIMAGE ID\tSIZE")
		for _, im := range imgs {
			size := ""
			if im.Size > 0 {
				size = units.HumanSizeWithPrecision(float64(im.Size), 3)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", im.Container, im.Repository, im.Tag, shortID(strings.TrimPrefix(im.ID, "sha256:")), size)
		}
		return tw.Flush()
	case ImagesJSON:
		if imgs == nil {
			imgs = []stack.ContainerImage{}
		}
		b, err := json.Marshal(imgs)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return fmt.Errorf("unsupported format %q: use table or json", format)
}

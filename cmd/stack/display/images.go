package display

import (
	"io"
	"strings"

	units "github.com/docker/go-units"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Formats of images --format.
const (
	ImagesTable = formatTable
	ImagesJSON  = formatJSON
)

// WriteImages writes the images of containers: a table (CONTAINER
// REPOSITORY TAG IMAGE ID SIZE), or a JSON array.
func WriteImages(w io.Writer, format string, imgs []stack.ContainerImage) error {
	header := []string{"CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"}
	return writeList(w, format, header, imgs, func(im stack.ContainerImage) []string {
		size := ""
		if im.Size > 0 {
			size = units.HumanSizeWithPrecision(float64(im.Size), 3)
		}
		return []string{im.Container, im.Repository, im.Tag, shortID(strings.TrimPrefix(im.ID, "sha256:")), size}
	})
}

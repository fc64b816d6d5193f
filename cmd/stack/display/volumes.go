package display

import (
	"io"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// VolumeRow is a volume as docker volume ls shows it; its JSON form and
// --format templates have the docker CLI's field names.
type VolumeRow struct {
	Driver     string
	Labels     string
	Mountpoint string
	Name       string
}

// WriteVolumes writes volumes in format: docker volume ls's table (DRIVER,
// VOLUME NAME), "json" (an object per line) or a template.
func WriteVolumes(w io.Writer, format string, vols []engine.Volume) error {
	rows := make([]VolumeRow, len(vols))
	for i, v := range vols {
		rows[i] = VolumeRow{Driver: v.Driver, Labels: labels(v.Labels), Mountpoint: v.Mountpoint, Name: v.Name}
	}
	headers := map[string]string{"Name": "VOLUME NAME"}
	return writeFormatted(w, format, []string{"DRIVER", "VOLUME NAME"}, headers, rows, func(r VolumeRow) []string {
		return []string{r.Driver, r.Name}
	})
}

// WriteChanges writes filesystem changes as docker diff does: "A /path",
// one per line.
func WriteChanges(w io.Writer, changes []engine.Change) error {
	for _, c := range changes {
		if _, err := io.WriteString(w, c.Kind+" "+c.Path+"\n"); err != nil {
			return err
		}
	}
	return nil
}

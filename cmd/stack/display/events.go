package display

import (
	"encoding/json"
	"io"
	"sort"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// eventTimeLayout is Compose's time format of events.
const eventTimeLayout = "2006-01-02 15:04:05.000000"

// WriteEvent writes one container event as a line: JSON with asJSON, else
// as Compose does:
//
//	2024-05-01 10:00:00.123456 container start 7c1e... (name=shop-web-1, image=busybox)
func WriteEvent(w io.Writer, e stack.ContainerEvent, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	b := e.Time.Local().AppendFormat(nil, eventTimeLayout)
	b = append(b, " container "...)
	b = append(b, e.Action...)
	b = append(b, ' ')
	b = append(b, e.ID...)
	if len(e.Attributes) > 0 {
		keys := make([]string, 0, len(e.Attributes))
		for k := range e.Attributes {
			keys = append(keys, k)
		}
		// name first, then image, then the rest by name.
		rank := func(k string) int {
			switch k {
			case "name":
				return 0
			case "image":
				return 1
			}
			return 2
		}
		sort.Slice(keys, func(i, j int) bool {
			if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
				return ri < rj
			}
			return keys[i] < keys[j]
		})
		b = append(b, " ("...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, k...)
			b = append(b, '=')
			b = append(b, e.Attributes[k]...)
		}
		b = append(b, ')')
	}
	_, err := w.Write(append(b, '\n'))
	return err
}

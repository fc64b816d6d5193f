package display

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Formats of the listings that are a table or a JSON array (images, ls).
const (
	formatTable = "table"
	formatJSON  = "json"
)

// writeTable writes a header and rows in columns aligned as docker's
// listings are: at least 10 wide, three spaces apart.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// writeList writes items in format: a table under header, a row from each
// item, or one JSON array, "[]" when there are none.
func writeList[T any](w io.Writer, format string, header []string, items []T, row func(T) []string) error {
	switch format {
	case "", formatTable:
		rows := make([][]string, len(items))
		for i, it := range items {
			rows[i] = row(it)
		}
		return writeTable(w, header, rows)
	case formatJSON:
		if items == nil {
			items = []T{}
		}
		b, err := json.Marshal(items)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return fmt.Errorf("unsupported format %q: use %s or %s", format, formatTable, formatJSON)
}

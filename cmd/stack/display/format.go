package display

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"text/template"
)

// templateFuncs are the functions a --format template may call, as in the
// docker CLI's templates.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"join":  strings.Join,
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
	}
}

// fieldRE finds the fields a template shows, for the header of a "table
// TEMPLATE" format.
var fieldRE = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// writeFormatted writes rows in one of the docker CLI's listing formats:
//
//   - "table" (or ""): header above cells(row), in aligned columns;
//   - "json": one JSON object per row, per line;
//   - "table TEMPLATE": a header (each {{.Field}} named by headers, else
//     by its name in capitals) above TEMPLATE per row, aligned at tabs;
//   - TEMPLATE: a Go template per row, each on its own line.
//
// A template sees the fields of T, as its JSON form does.
func writeFormatted[T any](w io.Writer, format string, header []string, headers map[string]string, rows []T, cells func(T) []string) error {
	switch format {
	case "", formatTable:
		all := make([][]string, len(rows))
		for i, r := range rows {
			all[i] = cells(r)
		}
		return writeTable(w, header, all)
	case formatJSON:
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	text, table := strings.CutPrefix(format, formatTable+" ")
	text = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(text)
	tmpl, err := template.New("format").Funcs(templateFuncs()).Parse(text)
	if err != nil {
		return fmt.Errorf("invalid --format template: %w", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		head := fieldRE.ReplaceAllStringFunc(text, func(m string) string {
			field := fieldRE.FindStringSubmatch(m)[1]
			if h, ok := headers[field]; ok {
				return h
			}
			return strings.ToUpper(field)
		})
		if _, err := fmt.Fprintln(out, head); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if err := tmpl.Execute(out, r); err != nil {
			return fmt.Errorf("--format template: %w", err)
		}
		if _, err := io.WriteString(out, "\n"); err != nil {
			return err
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

package commands

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// updateReference rewrites docs/reference instead of comparing with it.
var updateReference = flag.Bool("update", false, "rewrite docs/reference from the command tree")

// referenceDir is docs/reference, from this package's directory.
const referenceDir = "../../../docs/reference"

// TestReferenceDocs keeps the CLI reference in docs/reference in step with
// the command tree: every visible command has a page, and each page is
// what the tree renders today. Run with -update to rewrite the pages.
func TestReferenceDocs(t *testing.T) {
	root := referenceRoot()
	pages := renderReference(root)

	if *updateReference {
		if err := os.MkdirAll(referenceDir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(referenceDir, "*.md"))
		for _, f := range old {
			if _, ok := pages[filepath.Base(f)]; !ok {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, content := range pages {
			if err := os.WriteFile(filepath.Join(referenceDir, name), content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}

	const fix = "run: go test ./cmd/stack/commands -run TestReferenceDocs -update"
	names := slices.Sorted(maps.Keys(pages))
	for _, name := range names {
		want := pages[name]
		got, err := os.ReadFile(filepath.Join(referenceDir, name))
		if err != nil {
			t.Errorf("docs/reference/%s: %v; %s", name, err, fix)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/reference/%s is stale; %s", name, fix)
		}
	}
	have, _ := filepath.Glob(filepath.Join(referenceDir, "*.md"))
	for _, f := range have {
		if _, ok := pages[filepath.Base(f)]; !ok {
			t.Errorf("docs/reference/%s documents no command; %s", filepath.Base(f), fix)
		}
	}
}

// TestHelpTexts checks that every visible command explains itself as
// Compose's do: a one-line Short without final period, a Long that starts
// with it, and examples.
func TestHelpTexts(t *testing.T) {
	for _, cmd := range visibleCommands(referenceRoot()) {
		path := cmd.CommandPath()
		switch {
		case cmd.Short == "" || strings.Contains(cmd.Short, "\n") || strings.HasSuffix(cmd.Short, "."):
			t.Errorf("%s: Short %q: want one line without final period", path, cmd.Short)
		case !strings.HasPrefix(cmd.Long, cmd.Short):
			t.Errorf("%s: Long should start with the Short text %q", path, cmd.Short)
		case strings.TrimSpace(cmd.Example) == "":
			t.Errorf("%s: no Example", path)
		}
		if !strings.HasPrefix(cmd.Use, cmd.Name()) {
			t.Errorf("%s: Use %q does not start with the name", path, cmd.Use)
		}
	}
}

// referenceRoot builds the command tree as Main does, with streams that go
// nowhere: only its shape is read. It is never executed, so cobra's --help
// flags and help command are not there.
func referenceRoot() *cobra.Command {
	c := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	c.useDocker()
	return newRootCommand(c)
}

// visibleCommands lists the root's available subcommands, depth first, in
// name order.
func visibleCommands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		subs := slices.Clone(cmd.Commands())
		slices.SortFunc(subs, func(a, b *cobra.Command) int { return strings.Compare(a.Name(), b.Name()) })
		for _, sub := range subs {
			if sub.IsAvailableCommand() {
				out = append(out, sub)
				walk(sub)
			}
		}
	}
	walk(root)
	return out
}

// renderReference renders the reference: README.md for the root (global
// options and the list of commands) and stack_<command>.md for each
// visible command.
func renderReference(root *cobra.Command) map[string][]byte {
	pages := map[string][]byte{"README.md": renderIndex(root)}
	for _, cmd := range visibleCommands(root) {
		pages[pageName(cmd)] = renderCommand(cmd)
	}
	return pages
}

// pageName is stack_up.md for "stack up", stack_a_b.md for "stack a b".
func pageName(cmd *cobra.Command) string {
	return strings.ReplaceAll(cmd.CommandPath(), " ", "_") + ".md"
}

const generatedNote = "<!-- Generated from the command tree by TestReferenceDocs in cmd/stack/commands; do not edit. -->\n\n"

func renderIndex(root *cobra.Command) []byte {
	var b bytes.Buffer
	b.WriteString(generatedNote)
	b.WriteString("# CLI reference\n\n")
	writeText(&b, root.Long)
	b.WriteString("## Usage\n\n```text\n" + root.UseLine() + "\n```\n\n")
	b.WriteString("## Commands\n\n| Command | Description |\n| --- | --- |\n")
	for _, cmd := range visibleCommands(root) {
		fmt.Fprintf(&b, "| [`%s`](%s) | %s |\n", cmd.CommandPath(), pageName(cmd), cell(cmd.Short))
	}
	b.WriteString("\n")
	writeFlags(&b, "Global options", root.PersistentFlags())
	writeExamples(&b, root.Example)
	return b.Bytes()
}

func renderCommand(cmd *cobra.Command) []byte {
	var b bytes.Buffer
	b.WriteString(generatedNote)
	fmt.Fprintf(&b, "# %s\n\n", cmd.CommandPath())
	b.WriteString(cell(cmd.Short) + "\n\n")
	b.WriteString("## Usage\n\n```text\n" + cmd.UseLine() + "\n```\n\n")
	if len(cmd.Aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: `%s`\n\n", strings.Join(cmd.Aliases, "`, `"))
	}
	if long := strings.TrimSpace(strings.TrimPrefix(cmd.Long, cmd.Short+".")); long != "" {
		b.WriteString("## Description\n\n")
		writeText(&b, long)
	}
	writeFlags(&b, "Options", cmd.LocalFlags())
	writeFlags(&b, "Global options", cmd.InheritedFlags())
	writeExamples(&b, cmd.Example)
	if subs := visibleCommands(cmd); len(subs) > 0 {
		b.WriteString("## Commands\n\n")
		for _, sub := range subs {
			fmt.Fprintf(&b, "- [`%s`](%s): %s\n", sub.CommandPath(), pageName(sub), sub.Short)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "See also: [all commands](README.md).\n")
	return b.Bytes()
}

// writeText writes help text as Markdown: paragraphs as they are, and
// runs of lines indented by two spaces or more as code blocks.
func writeText(b *bytes.Buffer, text string) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	inCode := false
	for i, l := range lines {
		indented := strings.HasPrefix(l, "  ")
		switch {
		case indented && !inCode && (i == 0 || strings.TrimSpace(lines[i-1]) == ""):
			b.WriteString("```text\n")
			inCode = true
		case inCode && !indented && strings.TrimSpace(l) != "":
			b.WriteString("```\n\n")
			inCode = false
		}
		if inCode {
			if strings.TrimSpace(l) == "" {
				continue
			}
			b.WriteString(strings.TrimPrefix(l, "  ") + "\n")
			continue
		}
		b.WriteString(escapeHTML(l) + "\n")
	}
	if inCode {
		b.WriteString("```\n")
	}
	b.WriteString("\n")
}

// writeFlags writes the visible flags of fs as a table.
func writeFlags(b *bytes.Buffer, title string, fs *pflag.FlagSet) {
	var rows []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		name := "`--" + f.Name + "`"
		if f.Shorthand != "" {
			name = "`-" + f.Shorthand + "`, " + name
		}
		_, usage := pflag.UnquoteUsage(f)
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", name, f.Value.Type(), defaultValue(f), cell(usage)))
	})
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "## %s\n\n| Name | Type | Default | Description |\n| --- | --- | --- | --- |\n", title)
	b.WriteString(strings.Join(rows, "\n") + "\n\n")
}

// defaultValue shows a flag's default, or nothing when it is the zero
// value of its type (for -t and --index, zero means "not given").
func defaultValue(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "[]", "0", "false":
		return ""
	}
	return "`" + f.DefValue + "`"
}

// writeExamples writes a command's examples as a shell block.
func writeExamples(b *bytes.Buffer, example string) {
	if strings.TrimSpace(example) == "" {
		return
	}
	b.WriteString("## Examples\n\n```sh\n")
	for _, l := range strings.Split(strings.Trim(example, "\n"), "\n") {
		b.WriteString(strings.TrimPrefix(l, "  ") + "\n")
	}
	b.WriteString("```\n\n")
}

// cell makes text fit in a table cell or a single line: newlines become
// spaces, pipes are escaped.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(escapeHTML(s), "|", `\|`)
}

// escapeHTML keeps "<project>" in help text from reading as an HTML tag.
func escapeHTML(s string) string {
	return strings.ReplaceAll(s, "<", `\<`)
}

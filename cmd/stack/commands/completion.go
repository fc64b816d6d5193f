package commands

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

const completionLong = `Generate the autocompletion script for a shell.

Load it in the current shell, or install it where the shell looks for
completions. SERVICE arguments complete with the services of the stack file
that the global flags (-f, --project-directory, --profile, ...) select.`

const completionExample = `  # Bash, this session
  source <(stack completion bash)

  # Bash, every session (Debian's bash-completion)
  stack completion bash > /etc/bash_completion.d/stack

  # Zsh: a file in a directory of $fpath
  stack completion zsh > "${fpath[1]}/_stack"

  # Fish
  stack completion fish > ~/.config/fish/completions/stack.fish`

// completionShells are the shells a script can be generated for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

func newCompletionCommand(c *cli) *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:       "completion [OPTIONS] bash|zsh|fish|powershell",
		Short:     "Generate the autocompletion script for a shell",
		Long:      completionLong,
		Example:   completionExample,
		ValidArgs: completionShells,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef(cmd.CommandPath(), "%q requires exactly 1 argument: the shell (%s)", cmd.CommandPath(), strings.Join(completionShells, ", "))
			}
			if !slices.Contains(completionShells, args[0]) {
				return usagef(cmd.CommandPath(), "unsupported shell %q: use one of %s", args[0], strings.Join(completionShells, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), c.stdout
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			default:
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "Disable completion descriptions")
	return cmd
}

// completeServices completes SERVICE arguments with the services of the
// stack file the global flags name (those already given are left out).
// With first, only the first argument is a service: later ones (a command
// to run) complete as files.
func completeServices(c *cli, first bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if first && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveDefault
		}
		names, err := c.serviceNames(cmd)
		if err != nil {
			cobra.CompDebugln(fmt.Sprintf("stack: %v", err), true)
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		var out []string
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) && !slices.Contains(args, n) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// serviceNames loads the stack file for a completion. The environment's
// defaults of the global flags apply as for a command run.
func (c *cli) serviceNames(cmd *cobra.Command) ([]string, error) {
	// The completion request is not the command's run: flags are parsed but
	// not checked, and what is printed would corrupt the completion.
	quiet := *c
	quiet.stderr = discardWriter{}
	if err := quiet.resolveGlobals(cmd); err != nil {
		return nil, err
	}
	p, err := quiet.loadProject(cmd.Context(), nil)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(p.Services)+len(p.DisabledServices))
	for n := range p.Services {
		names = append(names, n)
	}
	// Services of inactive profiles can be named on the command line too.
	for n := range p.DisabledServices {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// discardWriter drops what is written.
type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

package commands

import "github.com/spf13/cobra"

func newRunCommand(c *cli) *cobra.Command { return notYet("run") }

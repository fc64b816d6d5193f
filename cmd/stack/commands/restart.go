package commands

import "github.com/spf13/cobra"

func newRestartCommand(c *cli) *cobra.Command { return notYet("restart") }

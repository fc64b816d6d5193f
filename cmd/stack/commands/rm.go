package commands

import "github.com/spf13/cobra"

func newRmCommand(c *cli) *cobra.Command { return notYet("rm") }

package commands

import "github.com/spf13/cobra"

func newLsCommand(c *cli) *cobra.Command { return notYet("ls") }

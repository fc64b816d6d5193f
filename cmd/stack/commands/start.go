package commands

import "github.com/spf13/cobra"

func newStartCommand(c *cli) *cobra.Command { return notYet("start") }

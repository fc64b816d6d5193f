package commands

import "github.com/spf13/cobra"

func newKillCommand(c *cli) *cobra.Command { return notYet("kill") }

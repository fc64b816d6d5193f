package commands

import "github.com/spf13/cobra"

func newPullCommand(c *cli) *cobra.Command { return notYet("pull") }

package commands

import "github.com/spf13/cobra"

func newWaitCommand(c *cli) *cobra.Command { return notYet("wait") }

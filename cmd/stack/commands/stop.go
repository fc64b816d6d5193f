package commands

import "github.com/spf13/cobra"

func newStopCommand(c *cli) *cobra.Command { return notYet("stop") }

package commands

import "github.com/spf13/cobra"

func newPauseCommand(c *cli) *cobra.Command { return notYet("pause") }

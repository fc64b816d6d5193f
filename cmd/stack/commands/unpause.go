package commands

import "github.com/spf13/cobra"

func newUnpauseCommand(c *cli) *cobra.Command { return notYet("unpause") }

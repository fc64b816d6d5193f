package commands

import "github.com/spf13/cobra"

func newLogsCommand(c *cli) *cobra.Command { return notYet("logs") }

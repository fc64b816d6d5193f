package commands

import "github.com/spf13/cobra"

func newPortCommand(c *cli) *cobra.Command { return notYet("port") }

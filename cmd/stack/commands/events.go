package commands

import "github.com/spf13/cobra"

func newEventsCommand(c *cli) *cobra.Command { return notYet("events") }

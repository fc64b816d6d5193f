package commands

import "github.com/spf13/cobra"

func newScaleCommand(c *cli) *cobra.Command { return notYet("scale") }

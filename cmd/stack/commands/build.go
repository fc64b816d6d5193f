package commands

import "github.com/spf13/cobra"

func newBuildCommand(c *cli) *cobra.Command { return notYet("build") }

package commands

import "github.com/spf13/cobra"

func newExecCommand(c *cli) *cobra.Command { return notYet("exec") }

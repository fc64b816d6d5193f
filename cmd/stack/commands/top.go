package commands

import "github.com/spf13/cobra"

func newTopCommand(c *cli) *cobra.Command { return notYet("top") }

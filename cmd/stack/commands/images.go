package commands

import "github.com/spf13/cobra"

func newImagesCommand(c *cli) *cobra.Command { return notYet("images") }

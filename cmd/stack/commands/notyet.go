package commands

import (
	"errors"

	"github.com/spf13/cobra"
)

// notYet is the placeholder for a command being written.
func notYet(use string) *cobra.Command {
	return &cobra.Command{
		Use:    use,
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New(use + ": not implemented yet")
		},
	}
}

// Command stack is a Docker-Compose-compatible orchestrator.
package main

import (
	"os"

	"github.com/stack-orchestrator/stack/cmd/stack/commands"
)

func main() { os.Exit(commands.Main()) }

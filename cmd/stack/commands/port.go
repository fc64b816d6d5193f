package commands

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// portVerbs is the part of *stack.Stack that stack port calls.
type portVerbs interface {
	Port(ctx context.Context, project, service string, private uint16, o stack.PortOptions) (string, error)
	Ports(ctx context.Context, project string, o stack.PortOptions) ([]stack.PublishedPort, error)
}

// portOptions are the flags of stack port.
type portOptions struct {
	protocol string
	index    int
	all      bool
	format   string
}

func newPortCommand(c *cli) *cobra.Command {
	o := &portOptions{}
	cmd := &cobra.Command{
		Use:   "port [OPTIONS] SERVICE PRIVATE_PORT",
		Short: "Print the public port for a port binding",
		Long: `Print the public port for a port binding.

With --all, prints every published port of the project (of the services
named, if any): as "container port/proto -> address" lines, as environment
variables (--format env: WEB_80_TCP=127.0.0.1:49153, WEB_2_80_TCP for the
second container when web has several), or as a JSON array (--format json).`,
		Example: `  # Where is port 80 of web published?
  stack port web 80

  # The UDP port 53 of the second dns container
  stack port --protocol udp --index 2 dns 53

  # Every published port, as variables for a test run
  stack port --all --format env > ports.env`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPort(cmd, c, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.protocol, "protocol", "tcp", "tcp or udp")
	f.IntVar(&o.index, "index", 0, "Index of the container if service has multiple replicas")
	f.BoolVar(&o.all, "all", false, "Print every published port of the project")
	f.StringVar(&o.format, "format", display.PortText, "Format of --all: "+strings.Join(display.PortFormats, ", "))
	return cmd
}

func runPort(cmd *cobra.Command, c *cli, o *portOptions, args []string) error {
	ctx := cmd.Context()
	path := cmd.CommandPath()
	if o.protocol != "tcp" && o.protocol != "udp" {
		return usagef(path, "unsupported --protocol %q: use tcp or udp", o.protocol)
	}
	if !slices.Contains(display.PortFormats, o.format) {
		return usagef(path, "unsupported --format %q: use one of %s", o.format, strings.Join(display.PortFormats, ", "))
	}
	var private uint16
	if !o.all {
		if len(args) != 2 {
			return usagef(path, "%q requires SERVICE and PRIVATE_PORT (or --all)", path)
		}
		n, err := strconv.ParseUint(args[1], 10, 16)
		if err != nil || n == 0 {
			return usagef(path, "invalid PRIVATE_PORT %q: want a port number", args[1])
		}
		private = uint16(n)
		args = args[:1]
	}
	_, name, err := c.projectOrName(ctx, args)
	if err != nil {
		return err
	}
	return callAs(c, stack.Discard, "port", func(v portVerbs) error {
		if o.all {
			ports, err := v.Ports(ctx, name, stack.PortOptions{Services: args})
			if err != nil {
				return err
			}
			return display.WritePorts(c.stdout, o.format, ports)
		}
		addr, err := v.Port(ctx, name, args[0], private, stack.PortOptions{Protocol: o.protocol, Index: o.index})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(c.stdout, addr)
		return err
	})
}

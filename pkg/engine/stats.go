package engine

import (
	"context"
	"time"
)

// Monitor is the part of Engine that samples the resource usage of
// containers (stats).
type Monitor interface {
	// ContainerStats calls fn with samples of container id's resource
	// usage: one, when !stream (the engine takes two readings to compute
	// the CPU use), else about one a second until ctx ends, fn returns an
	// error, or the container is removed.
	ContainerStats(ctx context.Context, id string, stream bool, fn func(Stats) error) error
}

// Stats is one sample of a container's resource usage, computed from the
// engine's counters as the docker CLI computes them.
type Stats struct {
	Read time.Time
	// CPUPercent is the share of one CPU used since the previous reading,
	// times 100: 200 is two CPUs fully used.
	CPUPercent float64
	// MemUsage is the memory used less the page cache that can be
	// reclaimed (inactive files); MemLimit the limit, or the host's memory.
	MemUsage, MemLimit uint64
	MemPercent         float64
	// NetRx and NetTx add up the bytes received and sent on every
	// network; BlockRead and BlockWrite the bytes read from and written
	// to block devices.
	NetRx, NetTx          uint64
	BlockRead, BlockWrite uint64
	PIDs                  uint64
}

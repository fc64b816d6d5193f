// Resource usage samples of Docker containers.

package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/container"
)

// ContainerStats reads the engine's stats stream of a container and passes
// each sample, computed, to fn.
func (d *Docker) ContainerStats(ctx context.Context, id string, stream bool, fn func(Stats) error) error {
	op := "stats"
	resp, err := d.cli.ContainerStats(ctx, id, stream)
	if err != nil {
		return d.wrap(op, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var v container.StatsResponse
		if err := dec.Decode(&v); err != nil {
			switch {
			case errors.Is(err, io.EOF):
				return nil
			case ctx.Err() != nil:
				return fmt.Errorf("%s: %w", op, ctx.Err())
			}
			return fmt.Errorf("%s: %w", op, err)
		}
		if err := fn(statsFrom(v)); err != nil {
			return err
		}
	}
}

// statsFrom computes a sample from the engine's counters, as the docker CLI
// does: the CPU share from the difference with the previous reading that
// the engine sends along, the memory less the inactive page cache.
func statsFrom(v container.StatsResponse) Stats {
	s := Stats{
		Read:     v.Read,
		MemUsage: memoryUsed(v.MemoryStats),
		MemLimit: v.MemoryStats.Limit,
		PIDs:     v.PidsStats.Current,
	}
	cpu := float64(v.CPUStats.CPUUsage.TotalUsage) - float64(v.PreCPUStats.CPUUsage.TotalUsage)
	system := float64(v.CPUStats.SystemUsage) - float64(v.PreCPUStats.SystemUsage)
	cpus := float64(v.CPUStats.OnlineCPUs)
	if cpus == 0 {
		cpus = float64(len(v.CPUStats.CPUUsage.PercpuUsage))
	}
	if system > 0 && cpu > 0 {
		s.CPUPercent = cpu / system * cpus * 100
	}
	if s.MemLimit != 0 {
		s.MemPercent = float64(s.MemUsage) / float64(s.MemLimit) * 100
	}
	for _, n := range v.Networks {
		s.NetRx += n.RxBytes
		s.NetTx += n.TxBytes
	}
	for _, e := range v.BlkioStats.IoServiceBytesRecursive {
		switch strings.ToLower(e.Op) {
		case "read":
			s.BlockRead += e.Value
		case "write":
			s.BlockWrite += e.Value
		}
	}
	return s
}

// memoryUsed is the usage less the inactive file cache, which the kernel
// reclaims under pressure: "total_inactive_file" under cgroup v1,
// "inactive_file" under v2.
func memoryUsed(m container.MemoryStats) uint64 {
	if v, ok := m.Stats["total_inactive_file"]; ok {
		if v < m.Usage {
			return m.Usage - v
		}
		return m.Usage
	}
	if v := m.Stats["inactive_file"]; v < m.Usage {
		return m.Usage - v
	}
	return m.Usage
}

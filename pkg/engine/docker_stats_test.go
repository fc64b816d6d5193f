package engine

import (
	"math"
	"testing"

	"github.com/docker/docker/api/types/container"
)

func TestStatsAsTheDockerCLIComputesThem(t *testing.T) {
	var v container.StatsResponse
	v.PreCPUStats.CPUUsage.TotalUsage = 1_000_000
	v.PreCPUStats.SystemUsage = 10_000_000
	v.CPUStats.CPUUsage.TotalUsage = 1_500_000
	v.CPUStats.SystemUsage = 12_000_000
	v.CPUStats.OnlineCPUs = 2
	v.MemoryStats = container.MemoryStats{Usage: 100 << 20, Limit: 1 << 30, Stats: map[string]uint64{"total_inactive_file": 20 << 20}}
	v.Networks = map[string]container.NetworkStats{"eth0": {RxBytes: 10, TxBytes: 20}, "eth1": {RxBytes: 1, TxBytes: 2}}
	v.BlkioStats.IoServiceBytesRecursive = []container.BlkioStatEntry{{Op: "Read", Value: 4096}, {Op: "write", Value: 8192}, {Op: "Total", Value: 12288}}
	v.PidsStats.Current = 3
	s := statsFrom(v)
	// 0.5M of 2M system time, on 2 CPUs: 50%.
	if math.Abs(s.CPUPercent-50) > 1e-9 {
		t.Errorf("CPU %v%%, want 50%%", s.CPUPercent)
	}
	if s.MemUsage != 80<<20 || math.Abs(s.MemPercent-80.0/1024*100) > 1e-9 {
		t.Errorf("memory %d (%v%%), want 80 MiB less the inactive cache", s.MemUsage, s.MemPercent)
	}
	if s.NetRx != 11 || s.NetTx != 22 || s.BlockRead != 4096 || s.BlockWrite != 8192 || s.PIDs != 3 {
		t.Errorf("counters %+v", s)
	}
	// cgroup v2 names the cache inactive_file; no previous reading: 0%.
	v = container.StatsResponse{}
	v.MemoryStats = container.MemoryStats{Usage: 50, Stats: map[string]uint64{"inactive_file": 10}}
	if s := statsFrom(v); s.MemUsage != 40 || s.CPUPercent != 0 || s.MemPercent != 0 {
		t.Errorf("cgroup v2: %+v", s)
	}
}

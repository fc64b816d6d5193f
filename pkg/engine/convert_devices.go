// Device requests (gpus, deploy.resources.reservations.devices, CDI
// devices), block IO, the remaining CPU settings and device cgroup rules,
// mapped as Docker Compose maps them.

package engine

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/blkiodev"
	"github.com/docker/docker/api/types/container"
)

// apiAnnotations is the first API version with HostConfig.Annotations.
const apiAnnotations = "1.43"

// devices adds the device requests and the other resource settings that
// resources leaves alone. An engine without a driver for a request (no GPU
// runtime) refuses it with its own error when the container starts.
func (b *builder) devices() error {
	s := b.s
	r := &b.host.Resources
	// A device named by its CDI name (vendor.com/class=name) is a request
	// to the "cdi" driver, not a device node.
	var cdi []string
	r.Devices = slices.DeleteFunc(r.Devices, func(d container.DeviceMapping) bool {
		if d.PathOnHost == d.PathInContainer && isCDIName(d.PathOnHost) {
			cdi = append(cdi, d.PathOnHost)
			return true
		}
		return false
	})
	if len(r.Devices) == 0 {
		r.Devices = nil
	}
	if len(cdi) > 0 {
		r.DeviceRequests = append(r.DeviceRequests, container.DeviceRequest{Driver: "cdi", DeviceIDs: cdi})
	}
	for i, g := range s.Gpus {
		if err := checkDeviceRequest(g); err != nil {
			return b.errf(fmt.Sprintf("gpus[%d]", i), "%v", err)
		}
		r.DeviceRequests = append(r.DeviceRequests, deviceRequest(g, append(slices.Clone(g.Capabilities), "gpu")))
	}
	if s.Deploy != nil && s.Deploy.Resources.Reservations != nil {
		for i, d := range s.Deploy.Resources.Reservations.Devices {
			key := fmt.Sprintf("deploy.resources.reservations.devices[%d]", i)
			if err := checkDeviceRequest(d); err != nil {
				return b.errf(key, "%v", err)
			}
			if len(d.Capabilities) == 0 {
				return b.errf(key+".capabilities", "is required")
			}
			r.DeviceRequests = append(r.DeviceRequests, deviceRequest(d, slices.Clone(d.Capabilities)))
		}
	}
	if err := b.blkio(); err != nil {
		return err
	}
	if s.CPUCount < 0 {
		return b.errf("cpu_count", "must not be negative")
	}
	r.CPUCount = s.CPUCount
	if s.CPUPercent < 0 || s.CPUPercent > 100 {
		return b.errf("cpu_percent", "%v is not a percentage between 0 and 100", s.CPUPercent)
	}
	// The engine takes whole percents (Compose v5.5 sends the value times
	// 100, which an engine that honours it refuses).
	r.CPUPercent = int64(math.Round(float64(s.CPUPercent)))
	if s.CPURTPeriod < 0 || s.CPURTRuntime < 0 {
		return b.errf("cpu_rt_period", "cpu_rt_period and cpu_rt_runtime must not be negative")
	}
	r.CPURealtimePeriod = s.CPURTPeriod
	r.CPURealtimeRuntime = s.CPURTRuntime
	for _, rule := range s.DeviceCgroupRules {
		if len(strings.Fields(rule)) != 3 {
			return b.errf("device_cgroup_rules", "%q is not \"type major:minor access\" (e.g. \"c 1:3 mr\")", rule)
		}
	}
	r.DeviceCgroupRules = slices.Clone(s.DeviceCgroupRules)
	if len(s.Annotations) > 0 {
		if err := b.needAPI("annotations", apiAnnotations); err != nil {
			return err
		}
		b.host.Annotations = maps.Clone(map[string]string(s.Annotations))
	}
	return nil
}

// isCDIName reports whether a device is named by a fully qualified CDI
// name, "vendor.com/class=name", rather than a path.
func isCDIName(dev string) bool {
	kind, name, ok := strings.Cut(dev, "=")
	if !ok || name == "" || strings.HasPrefix(kind, "/") {
		return false
	}
	vendor, class, ok := strings.Cut(kind, "/")
	return ok && strings.Contains(vendor, ".") && class != "" && !strings.Contains(class, "/")
}

func checkDeviceRequest(d types.DeviceRequest) error {
	if d.Count != 0 && len(d.IDs) > 0 {
		return fmt.Errorf("count and device_ids cannot be set together")
	}
	if d.Count < -1 {
		return fmt.Errorf("count %d is not a number of devices or all", d.Count)
	}
	return nil
}

// deviceRequest maps a device request; Count -1 is "all".
func deviceRequest(d types.DeviceRequest, capabilities []string) container.DeviceRequest {
	req := container.DeviceRequest{
		Driver:    d.Driver,
		Count:     int(d.Count),
		DeviceIDs: slices.Clone(d.IDs),
	}
	if len(capabilities) > 0 {
		req.Capabilities = [][]string{capabilities}
	}
	if len(d.Options) > 0 {
		req.Options = maps.Clone(map[string]string(d.Options))
	}
	return req
}

// blkio maps blkio_config.
func (b *builder) blkio() error {
	c := b.s.BlkioConfig
	if c == nil {
		return nil
	}
	r := &b.host.Resources
	if c.Weight != 0 && (c.Weight < 10 || c.Weight > 1000) {
		return b.errf("blkio_config.weight", "%d is not between 10 and 1000", c.Weight)
	}
	r.BlkioWeight = c.Weight
	for _, w := range c.WeightDevice {
		if w.Path == "" {
			return b.errf("blkio_config.weight_device", "an entry has no path")
		}
		r.BlkioWeightDevice = append(r.BlkioWeightDevice, &blkiodev.WeightDevice{Path: w.Path, Weight: w.Weight})
	}
	throttle := func(key string, list []types.ThrottleDevice, dst *[]*blkiodev.ThrottleDevice) error {
		for _, t := range list {
			if t.Path == "" || t.Rate < 0 {
				return b.errf("blkio_config."+key, "an entry has no path or a negative rate")
			}
			*dst = append(*dst, &blkiodev.ThrottleDevice{Path: t.Path, Rate: uint64(t.Rate)})
		}
		return nil
	}
	for _, t := range []struct {
		key  string
		list []types.ThrottleDevice
		dst  *[]*blkiodev.ThrottleDevice
	}{
		{"device_read_bps", c.DeviceReadBps, &r.BlkioDeviceReadBps},
		{"device_read_iops", c.DeviceReadIOps, &r.BlkioDeviceReadIOps},
		{"device_write_bps", c.DeviceWriteBps, &r.BlkioDeviceWriteBps},
		{"device_write_iops", c.DeviceWriteIOps, &r.BlkioDeviceWriteIOps},
	} {
		if err := throttle(t.key, t.list, t.dst); err != nil {
			return err
		}
	}
	return nil
}

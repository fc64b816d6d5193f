// Network endpoint settings newer than the rest of the conversion:
// gw_priority and interface_name, on engines whose API has them.

package engine

import (
	"fmt"
	"maps"
	"slices"

	"github.com/docker/docker/api/types/network"
)

// API versions of the endpoint settings below.
const (
	apiGwPriority    = "1.48"
	apiInterfaceName = "1.49"
)

// ifnameOpt is the endpoint driver option that names the interface in the
// container (interface_name).
const ifnameOpt = "com.docker.network.endpoint.ifname"

// endpointExtras sets gw_priority and interface_name on the endpoints that
// networking built. An engine too old for them would ignore them silently,
// so they are refused by name there.
func (b *builder) endpointExtras() error {
	if b.s.NetworkMode != "" {
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(b.s.Networks)) {
		c := b.s.Networks[key]
		if c == nil || (c.GatewayPriority == 0 && c.InterfaceName == "") {
			continue
		}
		ep := b.endpointOf(key)
		if ep == nil {
			continue
		}
		if c.GatewayPriority != 0 {
			if err := b.needAPI(fmt.Sprintf("networks.%s.gw_priority", key), apiGwPriority); err != nil {
				return err
			}
			ep.GwPriority = c.GatewayPriority
		}
		if c.InterfaceName != "" {
			k := fmt.Sprintf("networks.%s.interface_name", key)
			if err := b.needAPI(k, apiInterfaceName); err != nil {
				return err
			}
			if v, ok := ep.DriverOpts[ifnameOpt]; ok && v != c.InterfaceName {
				return b.errf(k, "%q differs from driver_opts %s %q", c.InterfaceName, ifnameOpt, v)
			}
			if ep.DriverOpts == nil {
				ep.DriverOpts = map[string]string{}
			}
			ep.DriverOpts[ifnameOpt] = c.InterfaceName
		}
	}
	return nil
}

// endpointOf returns the endpoint built for the network key, given at
// create or connected after.
func (b *builder) endpointOf(key string) *network.EndpointSettings {
	nw, ok := b.p.Networks[key]
	if !ok {
		return nil
	}
	name := nw.Name
	if name == "" {
		name = b.p.Name + "_" + key
	}
	if b.netCfg != nil {
		if ep, ok := b.netCfg.EndpointsConfig[name]; ok {
			return ep
		}
	}
	for _, c := range b.connect {
		if c.Network == name {
			return c.Settings
		}
	}
	return nil
}

package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The project's networks, secrets and configs as swarm objects.

// objects translates the networks the services use, and the secrets and
// configs of the project.
func (t *translation) objects() error {
	used := map[string]bool{}
	for _, s := range t.p.Services {
		if len(s.Networks) == 0 && s.NetworkMode == "" {
			used["default"] = true
		}
		for key := range s.Networks {
			used[key] = true
		}
	}
	for _, key := range sortedKeys(used) {
		t.d.Networks = append(t.d.Networks, t.network(key, t.p.Networks[key]))
	}
	for _, key := range sortedKeys(t.p.Secrets) {
		o, err := t.object("secrets", key, types.FileObjectConfig(t.p.Secrets[key]))
		if err != nil {
			return err
		}
		t.d.Secrets = append(t.d.Secrets, o)
	}
	for _, key := range sortedKeys(t.p.Configs) {
		c := types.FileObjectConfig(t.p.Configs[key])
		if c.Driver != "" {
			t.d.Warnings = append(t.d.Warnings, Warning{Kind: "config", Name: key, Keys: []string{"driver (only secrets have drivers)"}})
		}
		o, err := t.object("configs", key, c)
		if err != nil {
			return err
		}
		t.d.Configs = append(t.d.Configs, o)
	}
	return nil
}

// network is the overlay network key: attachable, so that a container run
// by hand can join it to debug.
func (t *translation) network(key string, c types.NetworkConfig) Network {
	name := c.Name
	if name == "" {
		name = scoped(t.p.Name, key)
	}
	n := Network{Key: key, Name: name, External: bool(c.External)}
	if n.External {
		return n
	}
	labels := map[string]string{LabelObject: key}
	for k, v := range c.Labels {
		labels[k] = v
	}
	spec := engine.OverlayNetwork{
		Name:       name,
		Labels:     namespaceLabels(t.p.Name, labels),
		Driver:     c.Driver,
		Options:    c.DriverOpts,
		Internal:   c.Internal,
		Attachable: true,
		EnableIPv6: c.EnableIPv6 != nil && *c.EnableIPv6,
		IPAMDriver: c.Ipam.Driver,
	}
	switch c.Driver {
	case "", "overlay":
		spec.Driver = "overlay"
	case "bridge", "host", "none":
		t.d.Warnings = append(t.d.Warnings, Warning{Kind: "network", Name: key,
			Keys: []string{"driver: " + c.Driver + " (a swarm's tasks on several nodes need overlay: overlay is used)"}})
		spec.Driver = "overlay"
	}
	for _, pool := range c.Ipam.Config {
		if pool != nil {
			spec.IPAM = append(spec.IPAM, engine.IPAMPool{Subnet: pool.Subnet, IPRange: pool.IPRange, Gateway: pool.Gateway})
		}
	}
	n.Spec = spec
	return n
}

// object translates the secret or config key. Its content comes from a
// file, a variable of the project's environment or the file itself. The
// swarm name of a project's object ends in a short hash of the content:
// an object cannot change, so new content is a new object. A name set in
// the file is kept as it is.
func (t *translation) object(kind, key string, c types.FileObjectConfig) (Object, error) {
	o := Object{Key: key, Name: c.Name, External: bool(c.External)}
	if o.External {
		return o, nil
	}
	var data []byte
	switch {
	case c.Driver != "":
		// A secret store plugin provides the data.
	case c.File != "":
		b, err := os.ReadFile(c.File)
		if err != nil {
			return o, t.fail("", kind+"."+key+".file", "%v", err)
		}
		data = b
	case c.Environment != "":
		v, ok := t.p.Environment[c.Environment]
		if !ok {
			return o, t.fail("", kind+"."+key+".environment", "variable %q is not set", c.Environment)
		}
		data = []byte(v)
	case c.Content != "":
		data = []byte(c.Content)
	default:
		return o, t.fail("", kind+"."+key, "needs file, environment or content")
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%s\x00%s\x00%s\x00", c.Driver, c.TemplateDriver, sortedPairs(c.DriverOpts))
	sum.Write(data)
	hash := hex.EncodeToString(sum.Sum(nil))
	if o.Name == "" || o.Name == scoped(t.p.Name, key) {
		o.Name = scoped(t.p.Name, key) + "-" + hash[:10]
	}
	labels := map[string]string{LabelObject: key, LabelContentHash: hash}
	for k, v := range c.Labels {
		labels[k] = v
	}
	o.Spec = engine.ObjectSpec{
		Name:           o.Name,
		Labels:         namespaceLabels(t.p.Name, labels),
		Data:           data,
		Driver:         c.Driver,
		DriverOptions:  c.DriverOpts,
		TemplateDriver: c.TemplateDriver,
	}
	return o, nil
}

// sortedPairs renders a map as "k=v" pairs in key order.
func sortedPairs(m map[string]string) string {
	var b []byte
	for _, k := range sortedKeys(m) {
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, m[k]...)
		b = append(b, ',')
	}
	return string(b)
}

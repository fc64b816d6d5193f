// Pulls and pushes with the logins of the docker config, and their
// registries' refusals said in one line.

package engine

import (
	"context"
	"errors"
	"fmt"
)

// PublishImage pushes ref with the login of the docker config for its
// registry (PushImage with the credential looked up).
func (d *Docker) PublishImage(ctx context.Context, ref string, progress func(string)) error {
	a, err := d.registryAuth(ctx, ref)
	if err != nil {
		return fmt.Errorf("push image %q: %w", ref, err)
	}
	_, err = d.PushImage(ctx, ref, a.header, progress)
	return a.classify("push", ref, err)
}

// registryLogin is the login a pull or push of one image sends.
type registryLogin struct {
	registry string // host[:port] of the image's registry
	dir      string // the docker config directory it was looked up in
	header   string // X-Registry-Auth, "" without a login
}

// registryAuth looks up the login for ref's registry in the docker config
// of the engine's target (see Credentials).
func (d *Docker) registryAuth(ctx context.Context, ref string) (registryLogin, error) {
	reg, err := RegistryOf(ref)
	if err != nil {
		return registryLogin{}, err
	}
	a := registryLogin{registry: reg, dir: d.target.ConfigDir}
	creds, err := LoadCredentials(a.dir)
	if err != nil {
		return a, err
	}
	a.header, err = creds.Auth(ctx, ref)
	return a, err
}

// classify turns the registry's refusal or absence, as the engine reports
// it for a pull or push (in the message stream or as the request's
// answer), into a *RegistryError; other errors pass unchanged.
func (a registryLogin) classify(op, ref string, err error) error {
	var unreachable *UnreachableError
	if err == nil || errors.As(err, &unreachable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	msg := err.Error()
	var se *streamError
	var oe *opError
	switch {
	case errors.As(err, &se):
		msg = se.msg
	case errors.As(err, &oe):
		msg = oe.err.Error()
	}
	if e := registryError(op, ref, a, msg); e.Denied || e.Unreachable {
		return e
	}
	return err
}

package engine

import (
	"strings"
	"testing"
)

func TestServiceHooks(t *testing.T) {
	p := loadKeyCase(t, keyCase{yaml: `
services:
  web:
    image: busybox
    tty: true
    post_start:
      - command: ["sh", "-c", "touch /ready"]
        user: root
        privileged: true
        working_dir: /srv
        environment: {B: "2", A: "1", FROM_CONTAINER: null}
      - command: echo second
    pre_stop:
      - command: ["sh", "-c", "echo bye"]
`})
	s := p.Services["web"]
	post, err := ServiceHooks(s, PostStart)
	if err != nil {
		t.Fatal(err)
	}
	if len(post) != 2 {
		t.Fatalf("post_start hooks: %+v", post)
	}
	equal(t, "key", post[0].Key(), "post_start[0]")
	equal(t, "exec", post[0].Exec, ExecRequest{
		Cmd: []string{"sh", "-c", "touch /ready"}, Env: []string{"A=1", "B=2", "FROM_CONTAINER"},
		User: "root", WorkDir: "/srv", Privileged: true, TTY: true,
	})
	equal(t, "shell form", post[1].Exec.Cmd, []string{"echo", "second"})
	pre, err := ServiceHooks(s, PreStop)
	if err != nil || len(pre) != 1 || pre[0].Key() != "pre_stop[0]" {
		t.Fatalf("pre_stop: %+v %v", pre, err)
	}
	equal(t, "failure", (&HookFailedError{Hook: pre[0], ExitCode: 3}).Error(), `pre_stop[0] hook exited with status 3`)

	s.PostStart[1].Command = nil
	if _, err := ServiceHooks(s, PostStart); err == nil || !strings.Contains(err.Error(), `service "web": post_start[1].command`) {
		t.Errorf("hook without a command: %v", err)
	}
}

package project

import (
	"strings"
	"testing"
)

func TestDangerousBindsWarnOrFail(t *testing.T) {
	const file = "services:\n  web:\n    image: busybox\n    volumes: [\"/:/host\", \"/var/run/docker.sock:/var/run/docker.sock\", \"./data:/data\"]\n  ok:\n    image: busybox\n    volumes: [\"/etc/hostname:/h:ro\"]\n  etc:\n    image: busybox\n    profiles: [later]\n    volumes: [\"/etc/:/etc-host\"]\n"
	root := writeTree(t, map[string]string{"app.yml": file})
	var warnings []string
	if _, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}, Warn: func(m string) { warnings = append(warnings, m) }}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`service "web": volumes: binds / (the host's whole file system) and /var/run/docker.sock (the Docker engine, and with it the host) into the container: it can change the host`,
		`service "etc": volumes: binds /etc (the host's configuration) into the container: it can change the host`,
	}
	if strings.Join(warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
	_, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}, Strict: true})
	if err == nil || err.Error() != `app.yml: service "web": volumes: binds / (the host's whole file system) and /var/run/docker.sock (the Docker engine, and with it the host) into the container: it can change the host (refused with --strict)` {
		t.Errorf("strict: %v", err)
	}
}

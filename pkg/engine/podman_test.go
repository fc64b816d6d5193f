package engine

import "testing"

func TestPodmanLocalImages(t *testing.T) {
	for _, tc := range []struct {
		tag, ref string
		want     bool
	}{
		{"localhost/stack-test/busybox:latest", "stack-test/busybox:latest", true},
		{"localhost/stack-test/busybox:latest", "stack-test/busybox", true},
		{"localhost/app:1", "app:2", false},
		{"docker.io/library/app:1", "app:1", false},
		{"stack-test/busybox:latest", "stack-test/busybox:latest", false}, // Docker's own match
	} {
		if got := podmanLocal(tc.tag, tc.ref); got != tc.want {
			t.Errorf("podmanLocal(%q, %q) = %v", tc.tag, tc.ref, got)
		}
	}
}

func TestPodmanEventExitCode(t *testing.T) {
	d := &Docker{}
	ev := d.podmanEvent(t.Context(), Event{Action: "die", Attribute: map[string]string{"containerExitCode": "3"}})
	if ev.ExitCode != "3" {
		t.Errorf("exit code %q, want 3", ev.ExitCode)
	}
	ev = d.podmanEvent(t.Context(), Event{Action: "die", ExitCode: "1", Attribute: map[string]string{"containerExitCode": "3"}})
	if ev.ExitCode != "1" {
		t.Errorf("exit code %q, want Docker's own 1", ev.ExitCode)
	}
}

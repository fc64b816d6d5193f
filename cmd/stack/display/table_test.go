package display

import (
	"bytes"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

func TestWriteProjectsAndImages(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
		want  string
	}{
		{"projects table", func(b *bytes.Buffer) error {
			return WriteProjects(b, LsTable, []stack.ProjectSummary{{Name: "shop", Status: "running(2)", ConfigFiles: "/s/stack.yaml"}})
		}, "NAME      STATUS       CONFIG FILES\nshop      running(2)   /s/stack.yaml\n"},
		{"projects json, none", func(b *bytes.Buffer) error { return WriteProjects(b, LsJSON, nil) }, "[]\n"},
		{"images table", func(b *bytes.Buffer) error {
			return WriteImages(b, "", []stack.ContainerImage{{Container: "shop-web-1", Repository: "nginx", Tag: "latest", ID: "sha256:0123456789abcdef", Size: 2048}})
		}, "CONTAINER    REPOSITORY   TAG       IMAGE ID       SIZE\nshop-web-1   nginx        latest    0123456789ab   2.05kB\n"},
		{"images json, none", func(b *bytes.Buffer) error { return WriteImages(b, ImagesJSON, nil) }, "[]\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := tt.write(&b); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n%q\nwant\n%q", tt.name, b.String(), tt.want)
		}
	}
	if err := WriteProjects(&bytes.Buffer{}, "xml", nil); err == nil || err.Error() != `unsupported format "xml": use table or json` {
		t.Errorf("bad format: %v", err)
	}
}

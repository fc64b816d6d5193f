package stack

import (
	"testing"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

func TestSummarizeProjects(t *testing.T) {
	files := map[string]string{engine.LabelConfigFiles: "/src/shop/compose.yaml,/src/shop/override.yaml"}
	cs := []engine.Container{
		{Project: "shop", State: "running", Labels: files},
		{Project: "shop", State: "exited", Labels: files},
		{Project: "shop", State: "running", Labels: files},
		{Project: "old", State: "exited", Labels: map[string]string{engine.LabelConfigFiles: "/src/old/stack.yaml"}},
	}
	got := summarizeProjects(cs, false)
	if len(got) != 1 || got[0].Name != "shop" || got[0].Status != "exited(1), running(2)" ||
		got[0].ConfigFiles != "/src/shop/compose.yaml,/src/shop/override.yaml" {
		t.Errorf("running projects: %+v", got)
	}
	got = summarizeProjects(cs, true)
	if len(got) != 2 || got[0].Name != "old" || got[0].Status != "exited(1)" || got[1].Name != "shop" {
		t.Errorf("all projects: %+v", got)
	}
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkUI measures stack ui on the shared 200-service workload
// (shared/bench/genstack.py 10 20): the first render of the page in
// headless chromium (navigation start to the graph on screen, as the page
// marks it), and the resident memory of the stack ui process while five
// tabs follow the merged logs of all 200 services, twenty of which print
// ten lines a second. Run it with `make bench-ui`; the numbers are in
// docs/ui.md.
func BenchmarkUI(b *testing.B) {
	if err := engineAnswers(); err != nil {
		b.Skipf("Docker Engine unreachable: %v", err)
	}
	gen := genstack(b)
	browser := startBrowserInstallTB(b)
	ensureUIAssets(b)
	bin := stackBinary(b)
	ensureImage(b)
	art := uiArtifacts(b, "ui-bench")

	out, err := exec.Command("python3", gen, "10", "20", testImage).Output()
	if err != nil {
		b.Fatalf("genstack.py: %v", err)
	}
	p := newUIProject(b, bin, "uibench", string(out), art)
	// Twenty sleepers of level 0 print instead of sleeping: logs to follow.
	var chatty strings.Builder
	chatty.WriteString("services:\n")
	for w := range 20 {
		fmt.Fprintf(&chatty, "  s0x%d:\n    command: [\"sh\", \"-c\", \"i=0; while :; do i=$$((i+1)); echo s0x%d line $$i; usleep 100000; done\"]\n", w, w)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "chatty.yaml"), []byte(chatty.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	p.files = []string{"compose.yaml", "chatty.yaml"}
	start := time.Now()
	p.stackOK(10*time.Minute, "up", "-d", "--wait", "--wait-timeout", "600")
	b.Logf("200 services up in %s", time.Since(start).Round(time.Second))
	srv := p.startUI(b, art)
	bctx, _ := newBrowser(b, browser)

	b.Run("first-render", func(b *testing.B) {
		var renders, layouts []float64
		for i := 0; i < b.N; i++ {
			tab, cancel := chromedp.NewContext(bctx)
			var ms, layout float64
			err := chromedp.Run(tab,
				chromedp.Navigate(srv.url),
				chromedp.WaitVisible(`body[data-graph="ready"]`, chromedp.ByQuery),
				chromedp.Evaluate(`performance.getEntriesByName('stack-graph-rendered')[0].startTime`, &ms),
				chromedp.Evaluate(`window.stackUI.layoutMs`, &layout),
			)
			if err == nil && i == 0 {
				var png []byte
				_ = chromedp.Run(tab, chromedp.CaptureScreenshot(&png))
				_ = os.WriteFile(filepath.Join(art, "graph-200.png"), png, 0o644)
			}
			cancel()
			if err != nil {
				b.Fatalf("load the page: %v", err)
			}
			renders = append(renders, ms)
			layouts = append(layouts, layout)
		}
		sort.Float64s(renders)
		sort.Float64s(layouts)
		b.ReportMetric(layouts[len(layouts)/2], "ms-layout-median")
		b.ReportMetric(renders[len(renders)/2], "ms-first-render-median")
		b.ReportMetric(renders[len(renders)-1], "ms-first-render-max")
	})

	b.Run("rss-5-tabs-following-logs", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var cancels []context.CancelFunc
			for range 5 {
				tab, cancel := chromedp.NewContext(bctx)
				cancels = append(cancels, cancel)
				if err := chromedp.Run(tab,
					chromedp.Navigate(srv.url+"#logs"),
					chromedp.Poll(`document.querySelectorAll('#logs .ln').length > 100`, nil, chromedp.WithPollingTimeout(time.Minute)),
				); err != nil {
					b.Fatalf("a tab following logs: %v", err)
				}
			}
			var peak float64
			for range 20 {
				time.Sleep(time.Second)
				peak = max(peak, rssMB(b, srv.cmd.Process.Pid, "VmRSS"))
			}
			b.ReportMetric(peak, "MB-rss-peak")
			b.ReportMetric(rssMB(b, srv.cmd.Process.Pid, "VmHWM"), "MB-rss-hwm")
			for _, c := range cancels {
				c()
			}
		}
	})
}

// rssMB reads a memory figure of process pid from /proc, in MB.
func rssMB(b *testing.B, pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// genstack finds shared/bench/genstack.py beside the repository.
func genstack(b *testing.B) string {
	for _, g := range []string{filepath.Join(repoRoot, "..", "shared", "bench", "genstack.py"), "/work/shared/bench/genstack.py"} {
		if _, err := os.Stat(g); err == nil {
			return g
		}
	}
	b.Skip("shared/bench/genstack.py not found beside the repository")
	return ""
}

// startBrowserInstallTB finds or installs chromium for a benchmark.
func startBrowserInstallTB(b *testing.B) string {
	path, err := findOrInstallChromium()
	if err != nil {
		b.Fatalf("chromium: %v", err)
	}
	return path
}

package console

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// browser starts chromium for t (headless; no sandbox, which root needs),
// or skips t when there is none and the browser is not required.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("SLIPWAY_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("SLIPWAY_BROWSER_REQUIRED") == "1" {
			t.Fatal("no chromium on PATH and SLIPWAY_BROWSER_REQUIRED=1 (apt-get install chromium)")
		}
		t.Skip("no chromium on PATH (apt-get install chromium; SLIPWAY_BROWSER_REQUIRED=1 makes this a failure)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// tab is a new tab of the browser: its own sessionStorage, so its own
// sign-in.
func tab(t *testing.T, browserCtx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	// Uncaught errors of the page are kept, so a failure shows them.
	keepErrors := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.__errors = [];
addEventListener("error", (e) => __errors.push(String(e.error?.stack || e.message)));
addEventListener("unhandledrejection", (e) => __errors.push(String(e.reason?.stack || e.reason)));`})
		return err
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), keepErrors); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// run runs steps with a deadline, failing t with what the page says.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("%v\npage: %s", err, pageText(ctx))
	}
}

func pageText(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(c, chromedp.Evaluate[string](`(document.querySelector("main")?.innerText ?? "") +
		((window.__errors || []).length ? "\nerrors in the page:\n" + __errors.join("\n") : "")`))
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}

// waitText waits until the element sel exists and its text contains every
// one of want, failing t after timeout with what it showed last.
func waitText(t *testing.T, ctx context.Context, sel string, timeout time.Duration, want ...string) string {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : "<none>"; })()`, sel)
	deadline := time.Now().Add(timeout)
	for {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		got, err := chromedp.Run(c, chromedp.Evaluate[string](js))
		cancel()
		if err == nil && containsAll(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: want %q, shows %q (err %v)\npage: %s", sel, want, got, err, pageText(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// evalJS evaluates a JavaScript expression as a T.
func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v\npage: %s", js, err, pageText(ctx))
	}
	return v
}

// script is a step that runs JavaScript statements for their effect.
func script(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("(() => { "+js+"; return true; })()")(ctx, tg)
		return err
	})
}

// exists says whether sel matches an element now.
func exists(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return evalJS[bool](t, ctx, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
}

// texts is the innerText of every element sel matches.
func texts(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	return evalJS[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.innerText)`, sel))
}

// click clicks the element sel as a mouse would.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// fill replaces the value of the control sel with value, typing it so the
// page sees real input events.
func fill(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		script(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), value),
	)
}

// scheme emulates the viewer's prefers-color-scheme.
func scheme(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: name}}})
		return err
	})
}

func shotsDir(t *testing.T) string {
	dir := os.Getenv("SLIPWAY_CONSOLE_SHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "slipway-console-shots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot captures the whole page at 1280 and 390 pixels wide (and the
// 1280 one in the dark scheme) as <name>-<width>[-dark].png, and fails t
// when the page is wider than the window (readable means no sideways
// scrolling).
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := shotsDir(t)
	for _, v := range []struct {
		width int64
		dark  bool
	}{{1280, false}, {390, false}, {1280, true}} {
		mode, suffix := "light", ""
		if v.dark {
			mode, suffix = "dark", "-dark"
		}
		run(t, ctx, chromedp.EmulateViewport(v.width, 900), scheme(mode), chromedp.Sleep(150*time.Millisecond))
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		png, err := chromedp.Run(c, chromedp.FullScreenshot(100)) // 100: PNG
		cancel()
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(dir, fmt.Sprintf("%s-%d%s.png", name, v.width, suffix))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		if w := evalJS[int64](t, ctx, `document.documentElement.scrollWidth`); w > v.width+1 {
			t.Errorf("%s at %d px scrolls sideways (%d px wide)", name, v.width, w)
		}
	}
	run(t, ctx, chromedp.EmulateViewport(1280, 900), scheme("light"))
	checkLabels(t, ctx, name)
}

// capture saves what the window shows (not the whole page) at 1200 x 760,
// for the README: <name>.png.
func capture(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	run(t, ctx, chromedp.EmulateViewport(1200, 760), scheme("light"), chromedp.Sleep(100*time.Millisecond))
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	png, err := chromedp.Run(c, chromedp.CaptureScreenshot())
	cancel()
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(shotsDir(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.EmulateViewport(1280, 900))
}

// unlabelled lists the controls a screen reader could not name: inputs,
// selects and textareas without a label or aria-label, buttons and links
// without text or aria-label.
const unlabelled = `[...document.querySelectorAll("input, select, textarea, button, a[href]")]
	.filter((e) => e.type !== "hidden" && e.offsetParent !== null)
	.filter((e) => /^(INPUT|SELECT|TEXTAREA)$/.test(e.tagName)
		? !(e.labels && e.labels.length) && !e.getAttribute("aria-label")
		: !e.innerText.trim() && !e.getAttribute("aria-label"))
	.map((e) => e.outerHTML.slice(0, 120))`

// checkLabels fails t for each control of the page that has no name.
func checkLabels(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, e := range evalJS[[]string](t, ctx, unlabelled) {
		t.Errorf("%s: a control without a label: %s", name, e)
	}
}

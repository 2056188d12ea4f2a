package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

const (
	// waitTimeout bounds every wait for the page. ICE on loopback takes well
	// under a second; the margin is for a loaded 2-core CI machine running
	// four browsers and a race-built server.
	waitTimeout = 30 * time.Second
	// pollInterval: polling on every animation frame would burn the CPU the
	// browsers need for their video.
	pollInterval = 100 * time.Millisecond
	// viewport is what a laptop shows; the README screenshot uses it too.
	viewportWidth, viewportHeight = 1280, 800
)

// person is one simulated human: a Chromium process of their own, so that
// each has their own camera, permissions and network stack, as in real life.
type person struct {
	name string
	ctx  context.Context // the tab; chromedp actions run on it

	closeOnce   sync.Once
	cancelTab   context.CancelFunc
	cancelAlloc context.CancelFunc
}

type personOpts struct {
	// noMedia starts the browser without fake devices and refuses every
	// permission prompt: getUserMedia fails as for someone without a camera
	// or microphone.
	noMedia bool
	// refuseMedia keeps the fake devices but refuses the permission prompt,
	// as for someone who clicks "Block".
	refuseMedia bool
}

// newPerson prepares a browser; open starts it. At the end of the test the
// browser is closed, after a full-page screenshot if the test failed.
func newPerson(t *testing.T, name string, opts personOpts) *person {
	t.Helper()
	flags := chromiumFlags(t, opts)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	p := &person{name: name, ctx: ctx, cancelTab: cancelTab, cancelAlloc: cancelAlloc}
	// Cleanups run last-in first-out: the screenshot is taken while the
	// browser still runs, and the browser is gone before t.TempDir removes
	// its profile.
	t.Cleanup(p.close)
	t.Cleanup(func() {
		if t.Failed() {
			p.saveScreenshot(t)
		}
	})
	return p
}

// chromiumFlags configures a headless Chromium with a profile of its own in a
// temporary folder, and fake devices as opts says.
func chromiumFlags(t *testing.T, opts personOpts) []chromedp.ExecAllocatorOption {
	t.Helper()
	chromium := roomcasttest.RequireTool(t, "chromium")
	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // tests run as root in containers
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is small in containers
		chromedp.Flag("mute-audio", true),            // the fake microphone beeps
		chromedp.Flag("hide-scrollbars", true),       // full-page screenshots keep the page's width
		chromedp.UserDataDir(t.TempDir()),            // nothing shared between people
		chromedp.WindowSize(viewportWidth, viewportHeight),
	}
	// A test pattern and a beep; 10 frames a second leaves CPU for four
	// browsers encoding three streams each on two cores.
	fakeDevices := chromedp.Flag("use-fake-device-for-media-stream", "fps=10")
	switch {
	case opts.noMedia:
		flags = append(flags, chromedp.Flag("deny-permission-prompts", true))
	case opts.refuseMedia:
		flags = append(flags, fakeDevices, chromedp.Flag("deny-permission-prompts", true))
	default:
		flags = append(flags, fakeDevices,
			chromedp.Flag("use-fake-ui-for-media-stream", true)) // grant camera and microphone
	}
	return flags
}

// open starts the browser and loads url. It is safe to call from several
// goroutines at once, one per person.
func (p *person) open(url string) error {
	// The first Run starts the browser, which lives as long as the context
	// of that Run: it must be the person's, not a deadline's.
	if err := chromedp.Run(p.ctx); err != nil {
		return fmt.Errorf("%s: starting chromium: %w", p.name, err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	// The window size includes the emulated browser frame; the page itself
	// gets the full viewport.
	viewport := chromedp.EmulateViewport(viewportWidth, viewportHeight)
	if err := chromedp.Run(ctx, viewport, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("%s: opening %s: %w", p.name, url, err)
	}
	return nil
}

// openPerson starts one person's browser on url.
func openPerson(t *testing.T, name, url string, opts personOpts) *person {
	t.Helper()
	p := newPerson(t, name, opts)
	if err := p.open(url); err != nil {
		t.Fatal(err)
	}
	return p
}

// openPeople starts people with fake cameras at the same time, names[i] on
// urls[i]: starting Chromium is the slow part, and people do join at once.
func openPeople(t *testing.T, names, urls []string) []*person {
	t.Helper()
	people := make([]*person, len(names))
	for i, name := range names {
		people[i] = newPerson(t, name, personOpts{})
	}
	errs := make([]error, len(people))
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Go(func() { errs[i] = p.open(urls[i]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return people
}

// repeat is n copies of s.
func repeat(s string, n int) []string { return slices.Repeat([]string{s}, n) }

// leave is the person closing the page, as a tab is closed: the document
// unloads, and the browser starts each websocket's closing handshake (1001,
// going away), which it lives on to send. Quitting the browser instead can
// end its network process before that close frame is written; the server
// then sees a dropped connection, which it rightly keeps for recovery.
func (p *person) leave(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("%s: leaving the page: %v", p.name, err)
	}
}

// close shuts the browser at the end of the test: gracefully first, then
// the process is reaped.
func (p *person) close() {
	p.closeOnce.Do(func() {
		_ = chromedp.Cancel(p.ctx)
		p.cancelTab()
		p.cancelAlloc()
	})
}

// saveScreenshot keeps what the person saw when the test failed, in the
// test's artifact directory (a temporary one unless go test runs with
// -artifacts, which keeps it).
func (p *person) saveScreenshot(t *testing.T) {
	t.Helper()
	if p.ctx.Err() != nil {
		return // this person's browser was already closed by the test
	}
	png, err := p.screenshot()
	if err != nil {
		t.Logf("%s: no screenshot: %v", p.name, err)
		return
	}
	path := filepath.Join(t.ArtifactDir(), p.name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("%s: saving screenshot: %v", p.name, err)
		return
	}
	t.Logf("%s: screenshot of the failed page: %s (go test -artifacts keeps it)", p.name, path)
}

// screenshot is a full-page PNG (quality 100 selects PNG).
func (p *person) screenshot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	var png []byte
	err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100))
	return png, err
}

// run runs chromedp actions with the per-wait deadline and fails the test
// with the page's state when they fail.
func (p *person) run(t *testing.T, what string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %s: %v\n%s", p.name, what, err, p.describe())
	}
}

// eval evaluates a JavaScript expression into res.
// A promise is awaited, and res gets what it resolves to.
func (p *person) eval(t *testing.T, expr string, res any) {
	t.Helper()
	p.run(t, "evaluating "+expr, chromedp.Evaluate(expr, res, func(e *runtime.EvaluateParams) *runtime.EvaluateParams {
		return e.WithAwaitPromise(true)
	}))
}

// waitFor polls a JavaScript expression until it is truthy, for at most
// waitTimeout; what says what is awaited, for the failure message.
func (p *person) waitFor(t *testing.T, what, expr string) {
	t.Helper()
	p.waitWithin(t, waitTimeout, what, expr)
}

// waitWithin is waitFor with its own deadline, for things that must be quick.
func (p *person) waitWithin(t *testing.T, timeout time.Duration, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout+5*time.Second)
	defer cancel()
	err := chromedp.Run(ctx, chromedp.Poll(expr, nil,
		chromedp.WithPollingInterval(pollInterval),
		chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		t.Fatalf("%s: waiting %v for %s: %v\n%s", p.name, timeout, what, err, p.describe())
	}
}

// describe is the page as the tests see it, for failure messages.
func (p *person) describe() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	var page any
	err := chromedp.Run(ctx, chromedp.Evaluate(`({
		url: location.href,
		self: window.roomcast && window.roomcast.state.selfId,
		tiles: `+tilesJS+`,
		status: (document.getElementById("status") || {}).textContent,
		notice: (document.getElementById("media-notice") || {}).textContent,
		chat: [...document.querySelectorAll("#chat-log li")].map(li => li.textContent),
		events: window.events, // the log of the socket.io 2.x page and of testdata/pages
		state: window.state,   // testdata/pages: the call's state
		received: window.received,
	})`, &page))
	if err != nil {
		return fmt.Sprintf("%s's page: unreadable: %v", p.name, err)
	}
	b, _ := json.MarshalIndent(page, "", "  ")
	return fmt.Sprintf("%s's page: %s", p.name, b)
}

// tilesJS lists the remote tiles as [peer id, connection state] pairs.
const tilesJS = `[...document.querySelectorAll("[data-peer-id]")].map(e => [e.dataset.peerId, e.dataset.state])`

// tile is one remote peer's tile as the page shows it.
type tile struct{ id, state string }

func (p *person) tiles(t *testing.T) []tile {
	t.Helper()
	var pairs [][2]string
	p.eval(t, tilesJS, &pairs)
	out := make([]tile, len(pairs))
	for i, pair := range pairs {
		out[i] = tile{id: pair[0], state: pair[1]}
	}
	return out
}

// selfID waits until the page has joined its room and returns its socket id.
func (p *person) selfID(t *testing.T) string {
	t.Helper()
	p.waitFor(t, "joining the room", `window.roomcast && window.roomcast.state.selfId`)
	var id string
	p.eval(t, `window.roomcast.state.selfId`, &id)
	return id
}

// waitConnected waits until the page shows exactly n remote tiles, every
// one in connectionState "connected".
func (p *person) waitConnected(t *testing.T, n int) {
	t.Helper()
	p.waitFor(t, fmt.Sprintf("%d connected tiles", n), fmt.Sprintf(
		`(ts => ts.length === %d && ts.every(([, s]) => s === "connected"))(%s)`, n, tilesJS))
}

// waitTileGone waits until no element carries the peer id.
func (p *person) waitTileGone(t *testing.T, id string) {
	t.Helper()
	p.waitFor(t, "the tile of "+id+" to go", tileGoneJS(id))
}

// tileGoneJS is true when no element carries the peer id.
func tileGoneJS(id string) string {
	return fmt.Sprintf(`document.querySelectorAll('[data-peer-id="' + CSS.escape(%s) + '"]').length === 0`, jsString(id))
}

// requireTilesOf checks that the page shows tiles for exactly the ids.
func (p *person) requireTilesOf(t *testing.T, ids ...string) {
	t.Helper()
	want := strings.Join(sorted(ids), " ")
	var got []string
	for _, tl := range p.tiles(t) {
		got = append(got, tl.id)
	}
	if g := strings.Join(sorted(got), " "); g != want {
		t.Fatalf("%s shows tiles of [%s], want [%s]\n%s", p.name, g, want, p.describe())
	}
}

// say types a chat line and clicks Send, as a person does.
func (p *person) say(t *testing.T, text string) {
	t.Helper()
	p.run(t, "sending a chat line",
		chromedp.SendKeys("#chat-input", text, chromedp.ByQuery),
		chromedp.Click("#chat-form button[type=submit]", chromedp.ByQuery))
}

// waitChat waits until the chat log has a line containing text.
func (p *person) waitChat(t *testing.T, text string) {
	t.Helper()
	p.waitFor(t, "the chat line "+text, fmt.Sprintf(
		`[...document.querySelectorAll("#chat-log li")].some(li => li.textContent.includes(%s))`, jsString(text)))
}

// jsString quotes s as a JavaScript string literal (JSON is a subset).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// pagesDir holds one folder per test page (testdata/pages/<name>/), written
// from the protocol of a kind of existing page, and report.js, which every
// page loads to show the tests its state.
const pagesDir = "testdata/pages"

// servePage runs roomcast with --static-dir on a temporary folder holding the
// page's files, report.js, and extra files (such as a client bundle from
// node_modules), as someone who switches such a page to roomcast would.
func servePage(t *testing.T, page string, extra ...string) *roomcasttest.Server {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(filepath.Join(pagesDir, page))
	if err != nil {
		t.Fatalf("the test page %s: %v", page, err)
	}
	files := []string{filepath.Join(pagesDir, "report.js")}
	for _, e := range entries {
		files = append(files, filepath.Join(pagesDir, page, e.Name()))
	}
	for _, src := range append(files, extra...) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatalf("copying %s for the page: %v", src, err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return startServer(t, "--static-dir", dir)
}

// pair is two tabs calling each other in one room.
type pair struct {
	room          string
	first, second *person
}

// both is the pair's tabs.
func (pr pair) both() []*person { return []*person{pr.first, pr.second} }

// pairsOf groups tabs opened as rooms[0]'s first, rooms[1]'s first, ...,
// then rooms[0]'s second, rooms[1]'s second, ...
func pairsOf(rooms []string, firsts, seconds []*person) []pair {
	pairs := make([]pair, len(rooms))
	for i, room := range rooms {
		pairs[i] = pair{room: room, first: firsts[i], second: seconds[i]}
	}
	return pairs
}

// tabsOf is every tab of the pairs.
func tabsOf(pairs []pair) []*person {
	var tabs []*person
	for _, pr := range pairs {
		tabs = append(tabs, pr.both()...)
	}
	return tabs
}

// names is one tab name per room: room-suffix.
func names(rooms []string, suffix string) []string {
	out := make([]string, len(rooms))
	for i, room := range rooms {
		out[i] = room + "-" + suffix
	}
	return out
}

// addresses is the page's address for each room.
func addresses(rooms []string, address func(room string) string) []string {
	out := make([]string, len(rooms))
	for i, room := range rooms {
		out[i] = address(room)
	}
	return out
}

// waitReady waits until each page is connected to its server with media at
// hand (window.ready, see report.js).
func waitReady(t *testing.T, tabs ...*person) {
	t.Helper()
	for _, p := range tabs {
		p.waitFor(t, "the page to be ready for a call", `window.ready === true`)
	}
}

// waitState waits until each page's window.state is state.
func waitState(t *testing.T, state string, tabs ...*person) {
	t.Helper()
	for _, p := range tabs {
		p.waitFor(t, "the state "+state, "window.state === "+jsString(state))
	}
}

// requireState checks each page's window.state now.
func requireState(t *testing.T, state string, tabs ...*person) {
	t.Helper()
	for _, p := range tabs {
		var got string
		p.eval(t, `window.state`, &got)
		if got != state {
			t.Errorf("%s: state %q, want %q\n%s", p.name, got, state, p.describe())
		}
	}
}

// click clicks the element; its listeners see what a person's click makes.
func click(t *testing.T, p *person, selector string) {
	t.Helper()
	// The element's own click(): a mouse event at its coordinates can miss
	// a tab the browser is not showing, while the page's listener is the
	// same either way.
	var clicked bool
	p.eval(t, fmt.Sprintf(`(() => { const b = document.querySelector(%s); if (!b || b.disabled) return false; b.click(); return true; })()`, jsString(selector)), &clicked)
	if !clicked {
		t.Fatalf("%s: %s is missing or disabled\n%s", p.name, selector, p.describe())
	}
}

// leavePage navigates away, as a person who closes the page: unlike closing
// the tab over the DevTools protocol, this runs the page's beforeunload and
// pagehide handlers, where tutorials say goodbye.
func leavePage(t *testing.T, p *person) {
	t.Helper()
	p.run(t, "leaving the page", chromedp.Navigate("about:blank"))
}

// eventJS is true once the page has logged the event with a payload m for
// which cond (a JavaScript expression in m) holds.
func eventJS(name, cond string) string {
	return fmt.Sprintf(`window.events.some(([e, m]) => e === %s && (%s))`, jsString(name), cond)
}

// waitEvent waits until the page has logged the event with cond true.
func waitEvent(t *testing.T, p *person, name, cond string) {
	t.Helper()
	p.waitFor(t, "the event "+name+" with "+cond, eventJS(name, cond))
}

// payloads is every payload the page logged under the event names.
func payloads(t *testing.T, p *person, names ...string) []any {
	t.Helper()
	var out []any
	p.eval(t, fmt.Sprintf(`window.events.filter(([e]) => %s.includes(e)).map(([, m]) => m)`, jsArray(names)), &out)
	return out
}

// requireFromOnly checks that the page received signaling objects under the
// event names, and every one from the partner: relayed objects carry the
// sender's id in `from`, so one from another room would show.
func requireFromOnly(t *testing.T, p *person, partner string, events ...string) {
	t.Helper()
	n := 0
	for _, m := range payloads(t, p, events...) {
		obj, ok := m.(map[string]any)
		if !ok {
			continue // strings carry no sender
		}
		n++
		if obj["from"] != partner {
			t.Errorf("%s got %v from %v, want only messages from its partner %s\n%s", p.name, obj["type"], obj["from"], partner, p.describe())
			return
		}
	}
	if n == 0 {
		t.Errorf("%s got no %s objects\n%s", p.name, strings.Join(events, "/"), p.describe())
	}
}

// evalString evaluates a JavaScript expression that yields a string.
func evalString(t *testing.T, p *person, expr string) string {
	t.Helper()
	var s string
	p.eval(t, expr, &s)
	return s
}

// jsArray quotes strings as a JavaScript array literal.
func jsArray(s []string) string {
	quoted := make([]string, len(s))
	for i, v := range s {
		quoted[i] = jsString(v)
	}
	return "[" + strings.Join(quoted, ",") + "]"
}

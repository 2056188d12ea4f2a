package browser

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// tabBrowser is one headless Chromium whose tabs stand for the people of a
// test. The page tests use it rather than a browser per person: starting
// Chromium is the slow part on 2 cores, and their pages need no profile,
// camera or permission of their own (every tab gets the same fake camera).
type tabBrowser struct {
	ctx context.Context // the browser's first tab; new tabs are opened from it
}

// backgroundFlags keep every tab running at full speed: each is a person
// looking at their own screen, not a hidden tab to be throttled.
var backgroundFlags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("disable-background-timer-throttling", true),
	chromedp.Flag("disable-renderer-backgrounding", true),
	chromedp.Flag("disable-backgrounding-occluded-windows", true),
}

// newTabBrowser starts Chromium with fake camera and microphone, granted to
// every page. It is closed at the end of the test, after its tabs.
func newTabBrowser(t *testing.T) *tabBrowser {
	t.Helper()
	flags := append(chromiumFlags(t, personOpts{}), backgroundFlags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx)
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &tabBrowser{ctx: ctx}
}

// newTab prepares a tab for the person called name; its open loads a page.
// The tab is closed at the end of the test, after a screenshot if the test
// failed.
func (b *tabBrowser) newTab(t *testing.T, name string) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	p := &person{name: name, ctx: ctx, cancelTab: cancel, cancelAlloc: func() {}}
	t.Cleanup(p.close)
	t.Cleanup(func() {
		if t.Failed() {
			p.saveScreenshot(t)
		}
	})
	return p
}

// openTabs opens names[i] on urls[i], all at once, as people who open a
// link at the same time.
func (b *tabBrowser) openTabs(t *testing.T, names, urls []string) []*person {
	t.Helper()
	tabs := make([]*person, len(names))
	for i, name := range names {
		tabs[i] = b.newTab(t, name)
	}
	errs := make([]error, len(tabs))
	var wg sync.WaitGroup
	for i, p := range tabs {
		wg.Go(func() { errs[i] = p.open(urls[i]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return tabs
}

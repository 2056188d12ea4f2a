package browser

import _ "github.com/chromedp/chromedp" // pinned in go.mod for the browser tests

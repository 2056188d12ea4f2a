// Package browser tests pages in real browsers against the real roomcast
// binary, driven from Go with chromedp: the call page (static/site), with one
// headless Chromium per simulated person, and the kinds of existing WebRTC
// pages roomcast is a drop-in backend for (testdata/pages), with one Chromium
// per test and a tab per person. Fake cameras and microphones stand in for
// people's devices; the WebRTC connections between the pages are real.
//
// The tests need /usr/bin/chromium (.ci/run installs it) and the npm packages
// (go tool task bundle). `go test ./browser -run TestFourPeople -args -update`
// rewrites the README's screenshot, docs/room-4-people.png.
package browser

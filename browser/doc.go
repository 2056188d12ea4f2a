// Package browser tests the call page (static/site) in real browsers: one
// headless Chromium per simulated person, driven from Go with chromedp,
// against the real roomcast binary. Fake cameras and microphones stand in for
// people's devices; the WebRTC connections between the browsers are real.
//
// The tests need /usr/bin/chromium (.ci/run installs it) and the npm packages
// (go tool task deps). `go test ./browser -run TestFourPeople -args -update`
// rewrites the README's screenshot, docs/room-4-people.png.
package browser

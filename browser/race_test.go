//go:build race

package browser

// raceEnabled makes the server under test a race-detector build too.
const raceEnabled = true

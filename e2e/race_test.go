//go:build race

package e2e

// raceEnabled makes the server under test a race-detector build too.
const raceEnabled = true

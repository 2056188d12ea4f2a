//go:build race

package main

// raceEnabled makes the roomcast under test a race-detector build too.
const raceEnabled = true

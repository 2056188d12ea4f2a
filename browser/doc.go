// Package browser holds the headless Chromium tests of the room page.
package browser

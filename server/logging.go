package server

import (
	"fmt"
	"io"
	"log/slog"
)

// ParseLogLevel turns a --log-level value into a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// NewLogger builds the logger c asks for, writing to w.
func (c Config) NewLogger(w io.Writer) *slog.Logger {
	level, _ := ParseLogLevel(c.LogLevel) // Validate has checked it
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

package worker

import (
	"fmt"
	"strconv"
	"time"
)

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// envInt reads an integer variable; a value that is set but not a number is
// an error, never silently the default.
func envInt(getenv func(string) string, key string, def int) (int, error) {
	raw := getenv(key)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a whole number", key, raw)
	}
	return n, nil
}

// envDuration reads a Go duration variable ("30s"); a bad value is an error.
func envDuration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	raw := getenv(key)
	if raw == "" {
		return def, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a duration like 30s", key, raw)
	}
	return d, nil
}

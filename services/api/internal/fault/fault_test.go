package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"slipway.dev/services/api/internal/fault"
)

func TestNamedIsItsKindAndReadsItsName(t *testing.T) {
	err := fmt.Errorf("token t1: %w", fault.Named("token not found", fault.ErrNotFound))
	if !errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrUnavailable) {
		t.Errorf("%v: kind lost", err)
	}
	if got := err.Error(); got != "token t1: token not found" {
		t.Errorf("reads %q", got)
	}
}

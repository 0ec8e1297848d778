package faults

import (
	"fmt"
	"sync"
	"time"

	"slipway.dev/pkg/embedded"
)

// store is a run's FerretDB, which a fault stops and starts again on the
// same address and files. Its methods are safe for concurrent use.
type store struct {
	dir, addr string
	mu        sync.Mutex
	ferret    *embedded.FerretDB // nil while stopped
}

// startStore starts FerretDB with its files under dir, on addr.
func startStore(dir, addr string) (*store, error) {
	f, err := embedded.StartFerretDB(dir, addr)
	if err != nil {
		return nil, err
	}
	return &store{dir: dir, addr: addr, ferret: f}, nil
}

// uri is the store's address, for the test's own reads.
func (s *store) uri() string { return "mongodb://" + s.addr + "/" }

// stop stops FerretDB; a stopped store stays stopped.
func (s *store) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ferret != nil {
		s.ferret.Close()
		s.ferret = nil
	}
}

// start starts FerretDB again after stop, retrying for up to 10 s while
// the address is released; a running store is left as it is.
func (s *store) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ferret != nil {
		return nil
	}
	var err error
	for range 100 {
		if s.ferret, err = embedded.StartFerretDB(s.dir, s.addr); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("restart the store: %w", err)
}

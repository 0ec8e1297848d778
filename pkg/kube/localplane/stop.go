package localplane

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// Stop ends every process the plane started (SIGTERM to each process
// group, SIGKILL after a grace period) and removes a temporary Dir unless
// KeepDir was set. It is idempotent and returns the first call's result.
func (p *Plane) Stop() error {
	p.stopOnce.Do(func() {
		// Clients first, then kube-apiserver, then etcd: an apiserver whose
		// etcd is gone hangs in shutdown until SIGKILL.
		var errs []error
		for _, group := range p.stopOrder() {
			groupErrs := make([]error, len(group))
			var wg sync.WaitGroup
			for i, proc := range group {
				wg.Go(func() { groupErrs[i] = proc.stop(5 * time.Second) })
			}
			wg.Wait()
			errs = append(errs, groupErrs...)
		}
		if p.ownDir && !p.keepDir {
			errs = append(errs, os.RemoveAll(p.dir))
		}
		p.stopResult = errors.Join(errs...)
	})
	return p.stopResult
}

// stopOrder groups the processes for Stop: everything but etcd and
// kube-apiserver, then kube-apiserver, then etcd.
func (p *Plane) stopOrder() [][]*process {
	groups := make([][]*process, 3)
	for _, proc := range p.processes() {
		switch proc.name {
		case "etcd":
			groups[2] = append(groups[2], proc)
		case "kube-apiserver":
			groups[1] = append(groups[1], proc)
		default:
			groups[0] = append(groups[0], proc)
		}
	}
	return groups
}

// LogTail returns the last n lines of each process log, headed by the
// process name. It is meant for test failure output.
func (p *Plane) LogTail(n int) string {
	var b strings.Builder
	for _, proc := range p.processes() {
		tail, err := tailFile(proc.logPath, n)
		if err != nil {
			tail = "(" + err.Error() + ")"
		}
		fmt.Fprintf(&b, "===== %s (last %d lines of %s) =====\n%s\n", proc.name, n, proc.logPath, tail)
	}
	return b.String()
}

// failure stops the plane after a failed start and decorates err with the
// process log tails (and errPortInUse when a port was taken).
func (p *Plane) failure(err error) error {
	tails := p.LogTail(30)
	if strings.Contains(tails, "address already in use") {
		err = fmt.Errorf("%w (%w)", err, errPortInUse)
	}
	if stopErr := p.Stop(); stopErr != nil {
		err = errors.Join(err, fmt.Errorf("localplane: stop after failed start: %w", stopErr))
	}
	return fmt.Errorf("%w\n%s", err, tails)
}

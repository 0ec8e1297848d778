package localplane

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

const apiserverName = "kube-apiserver"

// StopAPIServer stops the kube-apiserver (SIGTERM, SIGKILL after a grace
// period) and leaves etcd, the controllers, the scheduler and KWOK running:
// everything that reaches the API sees it go away, as in an outage of a
// control plane's front end, and the state in etcd stays. The plane is not
// broken meanwhile (Err, Exited); StartAPIServer brings it back.
func (p *Plane) StopAPIServer() error {
	proc := p.apiserver()
	if proc == nil {
		return errors.New("localplane: no kube-apiserver to stop")
	}
	proc.outage.Store(true)
	if err := proc.stop(5 * time.Second); err != nil {
		return fmt.Errorf("localplane: stop kube-apiserver: %w", err)
	}
	return nil
}

// StartAPIServer starts the kube-apiserver StopAPIServer stopped, on the
// same port, certificates and etcd, and waits until it answers /readyz.
// Clients of the plane (Client, RESTConfig, the kubeconfig) work again
// without change.
func (p *Plane) StartAPIServer(ctx context.Context) error {
	old := p.apiserver()
	if old == nil || !old.outage.Load() {
		return errors.New("localplane: the kube-apiserver was not stopped by StopAPIServer")
	}
	if ended, _ := old.exited(); !ended {
		return errors.New("localplane: the kube-apiserver is still stopping")
	}
	p.procsMu.Lock()
	for i, proc := range p.procs {
		if proc == old {
			p.procs = append(p.procs[:i:i], p.procs[i+1:]...)
			break
		}
	}
	p.procsMu.Unlock()
	if err := p.spawn(apiserverName, filepath.Join(p.binDir, apiserverName), p.apiserverArgs(), nil); err != nil {
		return err
	}
	if err := p.poll(ctx, p.apiserverReady); err != nil {
		return fmt.Errorf("localplane: waiting for the restarted kube-apiserver /readyz: %w", err)
	}
	return nil
}

// apiserver is the current kube-apiserver process.
func (p *Plane) apiserver() *process {
	for _, proc := range p.processes() {
		if proc.name == apiserverName {
			return proc
		}
	}
	return nil
}

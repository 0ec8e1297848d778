// Package netfault is a TCP proxy whose traffic a test can cut: Block
// closes every connection it carries and refuses new ones, as a network
// partition or a crashed peer would look from the other side; Unblock lets
// connections through again. natscluster routes its nodes through them, and
// the fault suite puts one between each service and what it reaches, so a
// service "killed" in the test's process stops talking at once.
package netfault

import (
	"errors"
	"io"
	"net"
	"sync"
)

// Proxy forwards TCP connections from its loopback listener to an address,
// and can be blocked: blocking closes what it carries and refuses new
// connections until unblocked.
type Proxy struct {
	ln net.Listener
	to string

	mu      sync.Mutex
	blocked bool
	conns   map[net.Conn]struct{}
}

// New listens on a free loopback port and forwards what it accepts to to.
// Close it when done.
func New(to string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, to: to, conns: map[net.Conn]struct{}{}}
	go p.serve()
	return p, nil
}

// Addr is the proxy's listening address (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go p.carry(c)
	}
}

func (p *Proxy) carry(in net.Conn) {
	if !p.track(in) {
		_ = in.Close()
		return
	}
	out, err := net.Dial("tcp", p.to)
	if err != nil || !p.track(out) {
		p.untrack(in)
		if out != nil {
			_ = out.Close()
		}
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(out, in)
	go pipe(in, out)
	<-done // one direction ended: end both
	p.untrack(in)
	p.untrack(out)
	<-done
}

// track records c as carried, or says no when the proxy is blocked.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blocked {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

// Block closes every connection carried and refuses new ones until Unblock.
func (p *Proxy) Block() {
	p.mu.Lock()
	p.blocked = true
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// Unblock lets new connections through.
func (p *Proxy) Unblock() {
	p.mu.Lock()
	p.blocked = false
	p.mu.Unlock()
}

// Close blocks the proxy for good and stops listening.
func (p *Proxy) Close() {
	p.Block()
	_ = p.ln.Close()
}

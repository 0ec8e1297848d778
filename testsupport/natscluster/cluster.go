package natscluster

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/testsupport/netfault"
)

// Cluster is a JetStream cluster of nodes in the test's process.
type Cluster struct {
	nodes []*Node
}

// Node is one server of a Cluster: its ports, name and store stay the same
// across Kill and Restart.
type Node struct {
	Name       string
	clientPort int
	opts       server.Options
	// in are the proxies carrying the routes other nodes open to this one,
	// out those carrying the routes this one opens.
	in, out []*netfault.Proxy

	mu  sync.Mutex
	srv *server.Server
}

// account is the account a cluster without accounts configured keeps
// everything in.
const account = server.DEFAULT_GLOBAL_ACCOUNT

// Start runs a cluster of n nodes (n >= 1; 3 for every test of a node
// failure) and returns once JetStream answers on every node with a meta
// leader elected. The cluster stops at t's cleanup.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := start(t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.WaitReady(t.Context(), time.Minute); err != nil {
		t.Fatal(err)
	}
	return c
}

func start(dir string, n int) (*Cluster, error) {
	c := &Cluster{}
	clusterPorts := make([]int, n)
	for i := range n {
		client, err := freePort()
		if err != nil {
			return nil, err
		}
		routes, err := freePort()
		if err != nil {
			return nil, err
		}
		clusterPorts[i] = routes
		name := fmt.Sprintf("n%d", i+1)
		c.nodes = append(c.nodes, &Node{Name: name, clientPort: client, opts: server.Options{
			ServerName: name, Host: "127.0.0.1", Port: client,
			JetStream: true, StoreDir: fmt.Sprintf("%s/%s", dir, name), NoSigs: true, NoLog: true,
			JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 1 << 30,
			Cluster: server.ClusterOpts{
				Name: "slipway-test", Host: "127.0.0.1", Port: routes,
				// Only the proxied routes form the mesh: no node learns
				// another's address by gossip (a refused one is advertised),
				// and clients are told of no servers beyond their URLs.
				Advertise: "127.0.0.1:1", NoAdvertise: true,
			},
		}})
	}
	for i, from := range c.nodes {
		for j, to := range c.nodes {
			if i == j {
				continue
			}
			p, err := netfault.New(fmt.Sprintf("127.0.0.1:%d", clusterPorts[j]))
			if err != nil {
				c.Close()
				return nil, err
			}
			from.out = append(from.out, p)
			to.in = append(to.in, p)
			from.opts.Routes = append(from.opts.Routes, server.RoutesFromStr("nats-route://"+p.Addr())...)
		}
	}
	for _, node := range c.nodes {
		if err := node.start(); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Nodes are the cluster's nodes, in order.
func (c *Cluster) Nodes() []*Node { return c.nodes }

// Node is the i-th node (0-based).
func (c *Cluster) Node(i int) *Node { return c.nodes[i] }

// URLs is every node's client URL, separated by commas: what a service's
// NATS URL is on a cluster.
func (c *Cluster) URLs() string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = n.URL()
	}
	return strings.Join(urls, ",")
}

// Close stops every node and proxy.
func (c *Cluster) Close() {
	for _, n := range c.nodes {
		n.Kill()
		for _, p := range n.out {
			p.Close()
		}
	}
}

// WaitReady waits until every running node answers JetStream requests (a
// meta leader is elected and the node knows it).
func (c *Cluster) WaitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for _, n := range c.nodes {
		if !n.Running() {
			continue
		}
		if err := n.waitJetStream(ctx); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return nil
}

// StreamLeader is the running node leading stream's Raft group, or nil
// while none does (an election is under way).
func (c *Cluster) StreamLeader(stream string) *Node {
	for _, n := range c.nodes {
		if s := n.server(); s != nil && s.JetStreamIsStreamLeader(account, stream) {
			return n
		}
	}
	return nil
}

// WaitStreamLeader waits until a running node leads stream, and returns it.
func (c *Cluster) WaitStreamLeader(ctx context.Context, stream string) (*Node, error) {
	for {
		if n := c.StreamLeader(stream); n != nil {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no leader of stream %s: %w", stream, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// URL is the node's client URL (the same across restarts).
func (n *Node) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.clientPort) }

// Running says whether the node's server is up (not killed).
func (n *Node) Running() bool { return n.server() != nil }

func (n *Node) server() *server.Server {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.srv
}

func (n *Node) start() error {
	opts := n.opts // NewServer keeps and amends the options it is given
	opts.Routes = append([]*url.URL(nil), n.opts.Routes...)
	srv, err := server.NewServer(&opts)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return fmt.Errorf("node %s: not ready within 15s", n.Name)
	}
	n.mu.Lock()
	n.srv = srv
	n.mu.Unlock()
	return nil
}

// Kill stops the node's server (see the package comment for how it differs
// from a crash). Killing a stopped node does nothing.
func (n *Node) Kill() {
	n.mu.Lock()
	srv := n.srv
	n.srv = nil
	n.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Restart starts a killed node again: same name, ports and store, so it
// rejoins as the same peer and catches up from the leaders. It returns once
// the node answers JetStream requests.
func (n *Node) Restart(ctx context.Context) error {
	if n.Running() {
		return fmt.Errorf("node %s is running", n.Name)
	}
	var err error
	for range 50 { // the client port may linger briefly after the kill
		if err = n.start(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	return n.waitJetStream(ctx)
}

// Partition cuts every route to and from the node: it keeps running and
// serving its clients, but reaches no other node, so it loses every
// quorum; the others keep theirs. Heal reconnects it.
func (n *Node) Partition() {
	for _, p := range append(append([]*netfault.Proxy(nil), n.in...), n.out...) {
		p.Block()
	}
}

// Heal ends a partition: the routes reconnect on their next attempt.
func (n *Node) Heal() {
	for _, p := range append(append([]*netfault.Proxy(nil), n.in...), n.out...) {
		p.Unblock()
	}
}

// waitJetStream waits until the node answers a JetStream account request.
func (n *Node) waitJetStream(ctx context.Context) error {
	nc, err := nats.Connect(n.URL(), nats.Timeout(2*time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	for {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := js.AccountInfo(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("jetstream not ready: %w (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Package embedded runs the infrastructure Slipway needs inside its own
// process: a NATS server with JetStream and a FerretDB (MongoDB wire
// protocol) on SQLite. `slipway dev` and the integration tests use it;
// production points the services at real NATS and MongoDB instead.
package embedded

import (
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATS is an embedded NATS server with JetStream.
type NATS struct {
	srv *server.Server
}

// StartNATS starts NATS with JetStream storing under dir, listening on
// host:port (port 0 picks a free one). It returns once clients can connect.
func StartNATS(dir, host string, port int) (*NATS, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("nats store dir: %w", err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "slipway-embedded", Host: host, Port: port,
		JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true,
		// A dev machine: keep JetStream's footprint modest.
		JetStreamMaxMemory: 256 << 20, JetStreamMaxStore: 8 << 30,
	})
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("nats server not ready within 15s")
	}
	return &NATS{srv: srv}, nil
}

// URL is the client URL of the server.
func (n *NATS) URL() string { return n.srv.ClientURL() }

// Close stops the server, flushing JetStream to disk.
func (n *NATS) Close() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

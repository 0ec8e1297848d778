// Package embedded runs the infrastructure Slipway needs inside its own
// process: a NATS server with JetStream and a FerretDB (MongoDB wire
// protocol) on SQLite. `slipway dev` and the integration tests use it;
// production points the services at real NATS and MongoDB instead.
//
// Other local users must not reach what these servers hold (the tokens'
// bucket among it): NATS admits only the user and password generated for
// it at start, carried by URL; StartPrivateFerretDB listens on a Unix socket in a
// folder only the owner may enter; data folders are 0700.
package embedded

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATS is an embedded NATS server with JetStream.
type NATS struct {
	srv  *server.Server
	user *url.Userinfo
}

// natsUser is the name of the one user an embedded NATS admits.
const natsUser = "slipway"

// StartNATS starts NATS with JetStream storing under dir (made 0700),
// listening on host:port (port 0 picks a free one). It admits only the
// user and password it generates now, a new one each start; URL carries
// them. It returns once clients can connect.
func StartNATS(dir, host string, port int) (*NATS, error) {
	if err := PrivateDir(dir); err != nil {
		return nil, fmt.Errorf("nats store dir: %w", err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	password := rand.Text()
	srv, err := server.NewServer(&server.Options{
		ServerName: "slipway-embedded", Host: host, Port: port,
		Username: natsUser, Password: password,
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
	return &NATS{srv: srv, user: url.UserPassword(natsUser, password)}, nil
}

// URL is the client URL of the server, with its credentials: hand it only
// to Slipway's own services, and log bus.Redacted(URL) instead.
func (n *NATS) URL() string {
	u, err := url.Parse(n.srv.ClientURL())
	if err != nil { // ClientURL is built by the server from host and port
		panic(fmt.Sprintf("nats client url %q: %v", n.srv.ClientURL(), err))
	}
	u.User = n.user
	return u.String()
}

// Close stops the server, flushing JetStream to disk.
func (n *NATS) Close() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

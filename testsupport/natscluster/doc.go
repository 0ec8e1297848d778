// Package natscluster runs a three-node NATS JetStream cluster in the test's
// process, on loopback ports, for tests of what a node failure does:
//
//	c := natscluster.Start(t, 3)
//	conn, _ := bus.Connect(ctx, c.URLs(), "test", bus.WithReplicas(3))
//	leader := c.StreamLeader(events.StreamEvents)
//	leader.Kill()         // writes continue once the others elect a leader
//	leader.Restart(t)     // same ports, name and store: it catches up
//	c.Node(1).Partition() // its routes are cut; clients stay connected to it
//	c.Node(1).Heal()
//
// Every node keeps JetStream's file store in its own temporary folder and has
// a fixed client port and cluster port for its life, so a restarted node is
// the same peer. Routes between nodes run through a proxy per ordered pair of
// nodes (netfault.Proxy): partitioning a node closes and refuses every route to and
// from it, while the node itself keeps running and serving its clients, as a
// network partition would. A node advertises no address of its own for
// routes, so the mesh is only the proxied routes.
//
// Kill is server.Shutdown: the process cannot SIGKILL a server it hosts, so a
// killed node closes its connections and files as it stops, where a crashed
// one would leave them to time out; what the others see (routes gone, Raft
// peers silent) is the same.
package natscluster

package natscluster_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/testsupport/natscluster"
)

// stream is a three-replica stream like EVENTS.
func stream(name string, replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Storage: jetstream.FileStorage, Replicas: replicas}
}

func connect(t *testing.T, c *natscluster.Cluster, opts ...bus.Option) *bus.Conn {
	t.Helper()
	conn, err := bus.Connect(t.Context(), c.URLs(), t.Name(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return conn
}

// publish stores msg, retrying through an election; it fails the test after
// a minute.
func publish(ctx context.Context, t *testing.T, conn *bus.Conn, subject, msg string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := conn.Publish(pctx, subject, []byte(msg), jetstream.WithMsgID(msg))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("publish %s: %v", msg, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readAll is every message of the stream, in order. Each read is retried
// for up to 30 s: right after a node is killed the stream may answer 503
// while its leader is elected.
func readAll(t *testing.T, conn *bus.Conn, name string) []string {
	t.Helper()
	var got []string
	retry(t, "read "+name, func() error {
		got = nil
		s, err := conn.Stream(t.Context(), name)
		if err != nil {
			return err
		}
		info, err := s.Info(t.Context())
		if err != nil {
			return err
		}
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			m, err := s.GetMsg(t.Context(), seq)
			if err != nil {
				return fmt.Errorf("seq %d: %w", seq, err)
			}
			got = append(got, string(m.Data))
		}
		return nil
	})
	return got
}

// retry runs fn until it succeeds, failing the test after 30 s.
func retry(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestAReplicatedStreamSurvivesItsLeadersKill(t *testing.T) {
	c := natscluster.Start(t, 3)
	conn := connect(t, c, bus.WithReplicas(3))
	if _, err := conn.EnsureStream(t.Context(), stream("KILL", 0)); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for i := range 50 {
		msg := fmt.Sprint("before-", i)
		publish(t.Context(), t, conn, "KILL.a", msg)
		sent = append(sent, msg)
	}
	leader, err := c.WaitStreamLeader(t.Context(), "KILL")
	if err != nil {
		t.Fatal(err)
	}
	leader.Kill()
	for i := range 50 { // through the election, on the two left
		msg := fmt.Sprint("after-", i)
		publish(t.Context(), t, conn, "KILL.a", msg)
		sent = append(sent, msg)
	}
	next, err := c.WaitStreamLeader(t.Context(), "KILL")
	if err != nil {
		t.Fatal(err)
	}
	if next == leader {
		t.Fatalf("the killed node %s still leads", leader.Name)
	}
	assertStream(t, conn, "KILL", sent)

	if err := leader.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	next.Kill() // the restarted node must have caught up to keep a quorum with the third
	for i := range 10 {
		msg := fmt.Sprint("rejoined-", i)
		publish(t.Context(), t, conn, "KILL.a", msg)
		sent = append(sent, msg)
	}
	assertStream(t, conn, "KILL", sent)
}

func assertStream(t *testing.T, conn *bus.Conn, name string, want []string) {
	t.Helper()
	got := readAll(t, conn, name)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stream %s holds %d messages, want the %d acknowledged in order:\ngot  %v\nwant %v", name, len(got), len(want), got, want)
	}
}

func TestRaiseReplicasOnALiveStream(t *testing.T) {
	c := natscluster.Start(t, 3)
	one := connect(t, c, bus.WithReplicas(1))
	if _, err := one.EnsureStream(t.Context(), stream("RAISE", 0)); err != nil {
		t.Fatal(err)
	}
	kv, err := one.EnsureKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "raise", Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for i := range 20 {
		msg := fmt.Sprint("m-", i)
		publish(t.Context(), t, one, "RAISE.a", msg)
		sent = append(sent, msg)
	}
	cons, err := one.Consumer(t.Context(), "RAISE", jetstream.ConsumerConfig{Durable: "d", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}

	three := connect(t, c, bus.WithReplicas(3))
	if _, err := three.EnsureStream(t.Context(), stream("RAISE", 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := three.EnsureKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "raise", Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"RAISE", "KV_raise"} {
		waitReplicas(t, three, name, 3)
	}
	// The durable consumer follows its stream (it inherits its replicas).
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := cons.Info(t.Context())
		if err == nil && info.Cluster != nil && len(info.Cluster.Replicas) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer after the raise: %+v, %v", info, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A service started with the smaller count does not lower it.
	if _, err := one.EnsureStream(t.Context(), stream("RAISE", 0)); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, one, "RAISE", 3)

	// The raised stream survives its leader's kill with everything in it.
	leader, err := c.WaitStreamLeader(t.Context(), "RAISE")
	if err != nil {
		t.Fatal(err)
	}
	leader.Kill()
	publish(t.Context(), t, three, "RAISE.a", "after")
	sent = append(sent, "after")
	assertStream(t, three, "RAISE", sent)
	kv3, err := three.KeyValue(t.Context(), "raise")
	if err != nil {
		t.Fatal(err)
	}
	retry(t, "the bucket after the raise and a kill", func() error {
		e, err := kv3.Get(t.Context(), "k")
		if err == nil && string(e.Value()) != "v" {
			err = fmt.Errorf("k = %q, want v", e.Value())
		}
		return err
	})
}

// waitReplicas waits until stream name has want replicas all current.
func waitReplicas(t *testing.T, conn *bus.Conn, name string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := conn.Stream(t.Context(), name)
		if err == nil {
			info, err := s.Info(t.Context())
			if err == nil && info.Config.Replicas == want && info.Cluster != nil && len(info.Cluster.Replicas) == want-1 && allCurrent(info.Cluster.Replicas) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: not %d current replicas within 30s", name, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func allCurrent(peers []*jetstream.PeerInfo) bool {
	for _, p := range peers {
		if !p.Current {
			return false
		}
	}
	return true
}

func TestAPartitionedNodeCatchesUpWhenHealed(t *testing.T) {
	c := natscluster.Start(t, 3)
	conn := connect(t, c, bus.WithReplicas(3))
	if _, err := conn.EnsureStream(t.Context(), stream("PART", 0)); err != nil {
		t.Fatal(err)
	}
	leader, err := c.WaitStreamLeader(t.Context(), "PART")
	if err != nil {
		t.Fatal(err)
	}
	leader.Partition()
	// The node cut off cannot lead: the majority elects another.
	deadline := time.Now().Add(30 * time.Second)
	for c.StreamLeader("PART") == leader || c.StreamLeader("PART") == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the partitioned node %s still leads after 30s", leader.Name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A client connected to the cut-off node would see no responders for
	// as long as the partition lasts (its own connection is healthy), so
	// the writes go through a connection to the majority only.
	var majority []string
	for _, n := range c.Nodes() {
		if n != leader {
			majority = append(majority, n.URL())
		}
	}
	writer, err := bus.Connect(t.Context(), strings.Join(majority, ","), t.Name()+"-majority", bus.WithReplicas(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(writer.Close)
	var sent []string
	for i := range 20 {
		msg := fmt.Sprint("during-", i)
		publish(t.Context(), t, writer, "PART.a", msg)
		sent = append(sent, msg)
	}
	leader.Heal()
	// Kill one of the majority: the healed node is then needed for every
	// write, which it can acknowledge only once it holds what was written
	// without it.
	for _, n := range c.Nodes() {
		if n != leader && n != c.StreamLeader("PART") {
			n.Kill()
			break
		}
	}
	publish(t.Context(), t, writer, "PART.a", "after-heal")
	sent = append(sent, "after-heal")
	assertStream(t, conn, "PART", sent)
}

package projector_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/readmodel"
)

// gate is a TCP proxy to the store that can hold what clients send: held
// bytes reach the store once the gate opens, even if their client has
// closed its connection meanwhile, as a request already on the network
// reaches a server after its sender gave up on it.
type gate struct {
	ln     net.Listener
	to     string
	mu     sync.Mutex
	closed bool
	open   *sync.Cond
}

func newGate(t *testing.T, to string) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{ln: ln, to: to}
	g.open = sync.NewCond(&g.mu)
	t.Cleanup(func() { g.set(false); _ = ln.Close() })
	go g.serve()
	return g
}

func (g *gate) set(closed bool) {
	g.mu.Lock()
	g.closed = closed
	g.mu.Unlock()
	g.open.Broadcast()
}

func (g *gate) serve() {
	for {
		in, err := g.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", g.to)
		if err != nil {
			_ = in.Close()
			continue
		}
		go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		go func() {
			defer out.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := in.Read(buf)
				if n > 0 {
					g.mu.Lock()
					for g.closed {
						g.open.Wait()
					}
					g.mu.Unlock()
					if _, werr := out.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					time.Sleep(500 * time.Millisecond) // the store answers what it got before the close
					return
				}
			}
		}()
	}
}

// TestAStoppedTermsWriteLandsBeforeTheNextTerm: a projector's term ends
// (its lease lapsed, or NATS failed over) while a flush is on its way to
// the store; the next term starts as soon as Run has returned and writes
// newer versions of the same document. The write of the ended term must
// not land after them: it would put the document back to an older state
// for good (the fault suite saw a revision's rollout left Pending though
// the deployment's termination had superseded it, seed 1796618185847073799).
// So Run returns only once a write it started has been answered.
func TestAStoppedTermsWriteLandsBeforeTheNextTerm(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	g := newGate(t, strings.TrimSuffix(strings.TrimPrefix(in.mongoURI, "mongodb://"), "/"))
	viaGate := infra{bus: in.bus, mongoURI: "mongodb://" + g.ln.Addr().String() + "/"}
	first := start(t, viaGate, "terms", nil, nil)
	first.waitApplied(t, last)

	// The first term's flush of one more event is held on its way.
	g.set(true)
	health := func(to string) uint64 {
		return appendEvent(t, in, events.HealthChanged{From: "Healthy", To: to, Reason: events.ReasonAllReplicasReady})
	}
	held := health("Degraded")
	time.Sleep(300 * time.Millisecond) // applied, its write sent into the gate
	first.cancel()

	// The next term starts once the first one's Run has returned, as the
	// lease (or the failover restart) starts it; the gate opens after the
	// next term has written, or after a second when nothing has.
	var second *running
	started := make(chan struct{})
	go func() {
		<-first.done
		_ = first.store.Close(context.Background())
		second = start(t, in, "terms", nil, nil)
		close(started)
	}()
	var newest uint64
	select {
	case <-started: // the first term stopped with its write held
		second.waitApplied(t, held)
		newest = health("Healthy")
		second.waitApplied(t, newest)
	case <-time.After(time.Second): // Run waits for its write
	}
	g.set(false)
	<-started
	if newest == 0 {
		newest = health("Healthy")
		second.waitApplied(t, newest)
	}
	time.Sleep(time.Second) // anything still held has landed
	second.stop(t)

	client := connect(t, in)
	var doc readmodel.Deployment
	if err := client.Database("terms").Collection("deployments").FindOne(t.Context(), bson.M{"_id": "acme/fraud/alpha"}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Seq != newest || doc.Health != "Healthy" {
		t.Fatalf("alpha is at seq %d (health %s) after the next term wrote %d: the ended term's write landed after it", doc.Seq, doc.Health, newest)
	}
}

// appendEvent appends one event of deployment alpha and returns its sequence.
func appendEvent(t *testing.T, in infra, msg events.Message) uint64 {
	t.Helper()
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "alpha"}
	env, err := events.Wrap(msg, events.Meta{ID: "extra-" + time.Now().Format(time.RFC3339Nano), Source: "/test", Subject: ref.String(),
		Time: time.Now(), Actor: "user:test"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := in.bus.Publish(t.Context(), events.DeploymentSubject(ref), data)
	if err != nil {
		t.Fatal(err)
	}
	return pub.Sequence
}

package bus_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
)

var ref = events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}

// appendHealth appends n HealthChanged events to subject, each at the
// subject's last sequence, and returns their sequences.
func appendHealth(t *testing.T, b *bus.Conn, subject string, n int) []uint64 {
	t.Helper()
	last, err := b.LastSeq(t.Context(), subject)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for i := range n {
		env, err := events.Wrap(events.HealthChanged{To: fmt.Sprint(i)},
			events.Meta{ID: fmt.Sprintf("%s/%d/%d", subject, last, i), Source: "/test", Subject: ref.String(), Time: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := b.Append(t.Context(), subject, env, last)
		if err != nil {
			t.Fatal(err)
		}
		last = pub.Seq
		seqs = append(seqs, pub.Seq)
	}
	return seqs
}

// TestHistoryLeavesNoConsumers: reading a history creates nothing on the
// server that outlives the read, however often it is read (issue 15: an
// ordered consumer per read hit the 1,000-per-stream limit).
func TestHistoryLeavesNoConsumers(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	appendHealth(t, b, subject, 3)
	before := embeddedtest.EventsConsumers(t, b)
	const reads = 2000
	for range reads {
		records, _, err := b.History(t.Context(), subject)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != 3 {
			t.Fatalf("read %d records, want 3", len(records))
		}
	}
	if after := embeddedtest.EventsConsumers(t, b); after != before {
		t.Fatalf("consumers on EVENTS: %d before %d history reads, %d after", before, reads, after)
	}
}

// TestHistoryLongerThanOneBatch: a history of several direct-get batches,
// interleaved with another subject's events, is read whole and in order,
// and its last sequence is the one Append expects.
func TestHistoryLongerThanOneBatch(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	other := events.DeploymentSubject(events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "other"})
	var want []uint64
	for range 3 {
		want = append(want, appendHealth(t, b, subject, 200)...)
		appendHealth(t, b, other, 50)
	}
	records, last, err := b.History(t.Context(), subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != len(want) {
		t.Fatalf("read %d records, want %d", len(records), len(want))
	}
	for i, r := range records {
		if r.Seq != want[i] || r.Envelope.Subject != ref.String() {
			t.Fatalf("record %d: seq %d subject %s, want seq %d", i, r.Seq, r.Envelope.Subject, want[i])
		}
		if h, ok := r.Message.(events.HealthChanged); !ok || h.To != fmt.Sprint(i%200) {
			t.Fatalf("record %d: message %#v", i, r.Message)
		}
	}
	if last != want[len(want)-1] {
		t.Fatalf("last sequence %d, want %d", last, want[len(want)-1])
	}
	if seq, err := b.LastSeq(t.Context(), subject); err != nil || seq != last {
		t.Fatalf("LastSeq = %d, %v; want %d", seq, err, last)
	}
	env, _ := events.Wrap(events.HealthChanged{To: "next"}, events.Meta{ID: "next", Source: "/test", Time: time.Now()})
	if _, err := b.Append(t.Context(), subject, env, last); err != nil {
		t.Fatalf("append at the history's last sequence: %v", err)
	}
}

func TestHistoryOfAnEmptySubject(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	appendHealth(t, b, events.DeploymentSubject(events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "other"}), 2)
	subject := events.DeploymentSubject(ref)
	records, last, err := b.History(t.Context(), subject)
	if err != nil || len(records) != 0 || last != 0 {
		t.Fatalf("History = %d records, last %d, %v; want none", len(records), last, err)
	}
	if seq, err := b.LastSeq(t.Context(), subject); err != nil || seq != 0 {
		t.Fatalf("LastSeq = %d, %v; want 0", seq, err)
	}
}

// TestHistoryKeepsUnknownTypes: an event written by a newer version is a
// record without a message, so folds skip it instead of failing.
func TestHistoryKeepsUnknownTypes(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	appendHealth(t, b, subject, 1)
	env := events.Envelope{SpecVersion: "1.0", ID: "future", Source: "/test", Type: "slipway.deployment.from_the_future.v9",
		Subject: ref.String(), Time: time.Now().UTC(), DataContentType: "application/json", Data: []byte(`{"x":1}`)}
	last, _ := b.LastSeq(t.Context(), subject)
	if _, err := b.Append(t.Context(), subject, env, last); err != nil {
		t.Fatal(err)
	}
	records, _, err := b.History(t.Context(), subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[1].Message != nil || records[1].Envelope.Type != env.Type {
		t.Fatalf("records %+v; want the unknown event last, without a message", records)
	}
}

// TestHistoryFromReadsOnlyTheTail: a reader that folded a history up to a
// sequence reads exactly the events after it (interleaved with another
// subject's), and nothing when nothing came after.
func TestHistoryFromReadsOnlyTheTail(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	other := events.DeploymentSubject(events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "other"})
	head := appendHealth(t, b, subject, 5)
	appendHealth(t, b, other, 7)
	tail := appendHealth(t, b, subject, 3)
	records, last, err := b.HistoryFrom(t.Context(), subject, head[len(head)-1]+1)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, r := range records {
		got = append(got, r.Seq)
	}
	if fmt.Sprint(got) != fmt.Sprint(tail) || last != tail[len(tail)-1] {
		t.Fatalf("HistoryFrom after the head = %v (last %d), want %v", got, last, tail)
	}
	records, last, err = b.HistoryFrom(t.Context(), subject, last+1)
	if err != nil || len(records) != 0 || last != 0 {
		t.Fatalf("HistoryFrom after the last = %d records, last %d, %v; want none", len(records), last, err)
	}
}

// TestHistoryTailReadsUpToTheLast: a tail shorter and one longer than the
// single gets it starts with are read whole and in order, up to the last
// sequence given (events appended after it may come too; nothing before
// from does).
func TestHistoryTailReadsUpToTheLast(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	other := events.DeploymentSubject(events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "other"})
	head := appendHealth(t, b, subject, 3)
	for _, n := range []int{2, 20} {
		var tail []uint64
		for range n {
			appendHealth(t, b, other, 2)
			tail = append(tail, appendHealth(t, b, subject, 1)...)
		}
		from := head[len(head)-1] + 1
		records, err := b.HistoryTail(t.Context(), subject, from, tail[len(tail)-1])
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, r := range records {
			got = append(got, r.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(tail) {
			t.Fatalf("tail of %d: read %v, want %v", n, got, tail)
		}
		head = tail
	}
}

// TestAHistoryReadAllocatesWhatItReads: a read of a short history
// allocates kilobytes (about 39 KB here), not the 512 KiB pending channel
// of nats.go's SubscribeSync (about 560 KB a read), which was three
// quarters of the worker's allocations at 10,000 deployments (issue 15).
// Bytes allocated in this process, the embedded server's included,
// averaged over many reads.
func TestAHistoryReadAllocatesWhatItReads(t *testing.T) {
	b, _ := embeddedtest.NATS(t)
	subject := events.DeploymentSubject(ref)
	appendHealth(t, b, subject, 3)
	const reads = 200
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range reads {
		if _, _, err := b.History(t.Context(), subject); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / reads; per > 128<<10 {
		t.Errorf("%d bytes allocated per history read of 3 events, want at most 128 KiB", per)
	}
}

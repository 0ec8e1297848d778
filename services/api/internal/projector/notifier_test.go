package projector

import (
	"context"
	"testing"
	"time"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestOperationWaitersWakeForTheirOperationOnly: a flush wakes the waiters
// of the operations it wrote and no others (a fleet's waiters would
// otherwise each read the store at every flush); a term start wakes all;
// a waiter that gives up leaves nothing registered.
func TestOperationWaitersWakeForTheirOperationOnly(t *testing.T) {
	n := NewNotifier()
	a1, releaseA1 := n.OperationChanged("op-a")
	a2, releaseA2 := n.OperationChanged("op-a")
	b, releaseB := n.OperationChanged("op-b")
	anyChange := n.Changed()

	n.flushed(7, []string{"op-a", "op-c"})
	if !closed(a1) || !closed(a2) || closed(b) || !closed(anyChange) {
		t.Fatalf("after a flush of op-a: a1 %t a2 %t b %t any %t; want true true false true", closed(a1), closed(a2), closed(b), closed(anyChange))
	}
	if n.Applied() != 7 {
		t.Fatalf("applied %d, want 7", n.Applied())
	}
	releaseA1()
	releaseA2()
	again, releaseAgain := n.OperationChanged("op-a")
	if closed(again) {
		t.Fatal("a new wait on op-a starts closed")
	}
	releaseAgain()
	releaseB()
	if w := n.waiting(); w != 0 {
		t.Fatalf("%d operations still have waiters after every waiter released", w)
	}

	c, releaseC := n.OperationChanged("op-c")
	defer releaseC()
	n.broadcast(9)
	if !closed(c) {
		t.Fatal("a term start did not wake an operation's waiter")
	}
}

// TestWaitWrittenWaitsForWhatTheViewShowed: a store read waits until a
// flush wrote every event the view showed when it began, not for events
// shown later; it gives up when its context ends or past its limit; a term
// that ends leaves nothing to wait for.
func TestWaitWrittenWaitsForWhatTheViewShowed(t *testing.T) {
	n := NewNotifier()
	n.broadcast(5)
	n.WaitWritten(t.Context(), time.Hour) // nothing shown past the store: at once

	n.show(9)
	done := make(chan struct{})
	go func() { n.waitWritten(t.Context(), 9, time.Hour); close(done) }() // WaitWritten's target when called
	n.flushed(7, nil)
	n.show(12) // shown after the wait began: not waited for
	select {
	case <-done:
		t.Fatal("returned before the store had event 9")
	case <-time.After(20 * time.Millisecond):
	}
	n.flushed(9, nil)
	<-done // a hang here fails the test by its timeout

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n.WaitWritten(ctx, time.Hour) // 12 shown, 9 written: the context ends it
	n.WaitWritten(t.Context(), time.Millisecond)
	n.stopped()
	n.WaitWritten(t.Context(), time.Hour) // the term ended: nothing to wait for
}

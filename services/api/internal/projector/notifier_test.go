package projector

import "testing"

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

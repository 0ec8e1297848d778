package webhooks

import (
	"container/heap"
	"time"
)

// deliveryQueue is a min-heap of pending deliveries by next attempt time
// (then event sequence), indexed by id.
type deliveryQueue struct {
	items []*queued
	byID  map[string]*queued
}

type queued struct {
	dl    Delivery
	index int
}

func (q *deliveryQueue) has(id string) bool { _, ok := q.byID[id]; return ok }

func (q *deliveryQueue) get(id string) (Delivery, bool) {
	it, ok := q.byID[id]
	if !ok {
		return Delivery{}, false
	}
	return it.dl, true
}

// push adds dl, or replaces the queued delivery with its id.
func (q *deliveryQueue) push(dl Delivery) {
	if dl.NextAttemptAt == nil {
		now := time.Now().UTC()
		dl.NextAttemptAt = &now
	}
	if it, ok := q.byID[dl.ID]; ok {
		it.dl = dl
		heap.Fix((*queueHeap)(q), it.index)
		return
	}
	it := &queued{dl: dl}
	q.byID[dl.ID] = it
	heap.Push((*queueHeap)(q), it)
}

// next is the earliest next attempt time.
func (q *deliveryQueue) next() (time.Time, bool) {
	if len(q.items) == 0 {
		return time.Time{}, false
	}
	return *q.items[0].dl.NextAttemptAt, true
}

func (q *deliveryQueue) pop() Delivery {
	it := heap.Pop((*queueHeap)(q)).(*queued)
	delete(q.byID, it.dl.ID)
	return it.dl
}

// queueHeap implements heap.Interface for deliveryQueue.
type queueHeap deliveryQueue

func (h *queueHeap) Len() int { return len(h.items) }
func (h *queueHeap) Less(i, j int) bool {
	a, b := h.items[i].dl, h.items[j].dl
	if !a.NextAttemptAt.Equal(*b.NextAttemptAt) {
		return a.NextAttemptAt.Before(*b.NextAttemptAt)
	}
	return a.EventSeq < b.EventSeq
}
func (h *queueHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index, h.items[j].index = i, j
}
func (h *queueHeap) Push(x any) {
	it := x.(*queued)
	it.index = len(h.items)
	h.items = append(h.items, it)
}
func (h *queueHeap) Pop() any {
	old := h.items
	it := old[len(old)-1]
	h.items = old[:len(old)-1]
	return it
}

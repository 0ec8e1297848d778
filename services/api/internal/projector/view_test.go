package projector_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/services/api/internal/projector"
	"slipway.dev/services/api/internal/readmodel"
)

// checkedView publishes into a view and checks it at every step: a
// document published is served as published (ahead of the store); once
// written, the store has it and the view serves it or a later version.
type checkedView struct {
	view  *readmodel.DeploymentView
	store *readmodel.Store
	mu    sync.Mutex
	ids   map[string]bool
	errs  []error
}

// published lists the ids published so far.
func (c *checkedView) published() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Collect(maps.Keys(c.ids))
}

func (c *checkedView) Publish(d readmodel.Deployment) {
	c.view.Publish(d)
	got, ok := c.view.Deployment(d.ID)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[d.ID] = true
	if !ok || got.Seq != d.Seq {
		c.errs = append(c.errs, fmt.Errorf("%s published at seq %d: in view %v at seq %d", d.ID, d.Seq, ok, got.Seq))
	}
}

func (c *checkedView) Written(d readmodel.Deployment) {
	c.view.Written(d)
	got, ok := c.view.Deployment(d.ID)
	stored, err := c.store.Deployment(context.Background(), d.ID)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !ok || err != nil:
		c.errs = append(c.errs, fmt.Errorf("%s seq %d: in view %v, store: %v", d.ID, d.Seq, ok, err))
	case stored.Seq != d.Seq:
		c.errs = append(c.errs, fmt.Errorf("%s written at seq %d: the store has seq %d", d.ID, d.Seq, stored.Seq))
	case got.Seq < d.Seq:
		c.errs = append(c.errs, fmt.Errorf("%s written at seq %d: the view went back to seq %d", d.ID, d.Seq, got.Seq))
	}
}

// TestViewServesWhatTheStoreReturns projects the history flushing every
// event and in batches: every deployment document the view serves is the
// one published; the store has each as written; at the end the view
// serves what the store returns.
func TestViewServesWhatTheStoreReturns(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	for name, configure := range map[string]func(*projector.Projector){
		"view-one-by-one": flushEvery(1, 1, time.Hour),
		"view-batched":    flushEvery(4, 6, time.Hour),
	} {
		store, err := readmodel.Open(t.Context(), in.mongoURI, name)
		if err != nil {
			t.Fatal(err)
		}
		c := &checkedView{view: readmodel.NewDeploymentView(100), store: store, ids: map[string]bool{}}
		r := start(t, in, name, nil, func(p *projector.Projector) {
			configure(p)
			p.PublishTo(c)
		})
		r.waitApplied(t, last)
		r.stop(t)
		c.mu.Lock()
		for _, err := range c.errs {
			t.Errorf("%s: %v", name, err)
		}
		if len(c.ids) != 4 {
			t.Errorf("%s: %d deployments published, want 4", name, len(c.ids))
		}
		for id := range c.ids {
			got, _ := c.view.Deployment(id)
			want, err := store.Deployment(t.Context(), id)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s at the end: view serves\n%+v\nstore returns (%v)\n%+v", name, id, got, err, want)
			}
		}
		c.mu.Unlock()
		_ = store.Close(context.Background())
	}
}

// TestTheViewShowsWhatTheStoreCannotYetTake: while a flush fails (a unique
// index FerretDB enforces on the operations' status, which the history's
// operations share) and is retried, the view already serves the batch's
// deployments as of their events, which the store lacks, pinned; once the
// store takes the flush, both serve the same documents and nothing stays
// pinned.
func TestTheViewShowsWhatTheStoreCannotYetTake(t *testing.T) {
	in := startInfra(t)
	last := appendHistory(t, in.bus)
	client := connect(t, in)
	ops := client.Database("ahead").Collection("operations")
	index, err := ops.Indexes().CreateOne(t.Context(), mongo.IndexModel{Keys: bson.M{"status": 1}, Options: options.Index().SetUnique(true)})
	if err != nil {
		t.Fatal(err)
	}
	store, err := readmodel.Open(t.Context(), in.mongoURI, "ahead")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	view := &checkedView{view: readmodel.NewDeploymentView(100), store: store, ids: map[string]bool{}}
	failed := signal{prefix: "projector flush failed", seen: make(chan string, 1)}
	r := start(t, in, "ahead", slog.New(failed), func(p *projector.Projector) {
		projector.SetFlushLimits(p, 4, 6, time.Hour)
		p.PublishTo(view)
	})
	select {
	case <-failed.seen:
	case err := <-r.done:
		t.Fatalf("projector stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no flush failed")
	}
	// The projector goes on applying until its backpressure bound holds it:
	// count again until the view did not change while counting.
	var ahead, pinned int
	for {
		before := view.view.Pinned()
		ids := view.published()
		ahead = 0
		for _, id := range ids {
			shown, _ := view.view.Deployment(id)
			stored, err := store.Deployment(t.Context(), id)
			if err != nil || stored.Seq < shown.Seq {
				ahead++
			}
		}
		if pinned = view.view.Pinned(); pinned == before && len(view.published()) == len(ids) {
			break
		}
		select {
		case <-t.Context().Done():
			t.Fatal("the view never settled")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if ahead == 0 {
		t.Fatalf("no deployment of the %d published is ahead of the store while its flush fails", len(view.published()))
	}
	if pinned != ahead {
		t.Fatalf("%d documents pinned, %d ahead of the store", pinned, ahead)
	}
	if err := ops.Indexes().DropOne(t.Context(), index); err != nil {
		t.Fatal(err)
	}
	r.waitApplied(t, last)
	r.stop(t)
	view.mu.Lock()
	defer view.mu.Unlock()
	for _, err := range view.errs {
		t.Error(err)
	}
	if pinned := view.view.Pinned(); pinned != 0 {
		t.Errorf("%d documents still pinned once written", pinned)
	}
	if len(view.ids) != 4 {
		t.Errorf("%d deployments published, want 4", len(view.ids))
	}
	for id := range view.ids {
		shown, _ := view.view.Deployment(id)
		stored, err := store.Deployment(t.Context(), id)
		if err != nil || !reflect.DeepEqual(shown, stored) {
			t.Errorf("%s at the end: view serves seq %d, store returns seq %d (%v)", id, shown.Seq, stored.Seq, err)
		}
	}
}

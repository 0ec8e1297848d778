package projector_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"slipway.dev/services/api/internal/projector"
	"slipway.dev/services/api/internal/readmodel"
)

// checkedView publishes into a view and compares, at every publication,
// what the view serves with what the store returns: the same document.
type checkedView struct {
	view  *readmodel.DeploymentView
	store *readmodel.Store
	mu    sync.Mutex
	ids   map[string]bool
	errs  []error
}

func (c *checkedView) Publish(d readmodel.Deployment) {
	c.view.Publish(d)
	got, ok := c.view.Deployment(d.ID)
	want, err := c.store.Deployment(context.Background(), d.ID)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[d.ID] = true
	switch {
	case !ok || err != nil:
		c.errs = append(c.errs, fmt.Errorf("%s seq %d: in view %v, store: %v", d.ID, d.Seq, ok, err))
	case !reflect.DeepEqual(got, want):
		c.errs = append(c.errs, fmt.Errorf("%s seq %d: view serves\n%+v\nstore returns\n%+v", d.ID, d.Seq, got, want))
	}
}

// TestViewServesWhatTheStoreReturns projects the history flushing every
// event and in batches: every deployment document the view serves, when
// published and at the end, is the one the store returns.
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

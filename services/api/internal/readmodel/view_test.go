package readmodel

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// version is the created deployment as it is after n events: its seq,
// revision and spec's image all say n.
func version(t testing.TB, id string, n int) Deployment {
	t.Helper()
	var d Deployment
	if !ProjectDeployment(&d, 1, env(0, "op-1"), createdEvent()) {
		t.Fatal("created event not applied")
	}
	spec := createdEvent().Revision.Spec
	spec.Image = fmt.Sprintf("img:%d", n)
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	d.ID, d.Seq, d.Revision, d.Image, d.SpecJSON = id, uint64(n), n, spec.Image, string(raw)
	return d
}

// stored is d as Store.Deployment returns it after a write: through BSON, then Present.
func stored(t testing.TB, d Deployment) Deployment {
	t.Helper()
	raw, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var out Deployment
	if err := bson.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	out.Present()
	return out
}

func TestViewServesTheStoredForm(t *testing.T) {
	v := NewDeploymentView(10)
	if _, ok := v.Deployment("acme/fraud/scorer"); ok {
		t.Fatal("an empty view holds a document")
	}
	d := version(t, "acme/fraud/scorer", 3)
	v.Publish(d)
	got, ok := v.Deployment(d.ID)
	if !ok {
		t.Fatal("published document missing")
	}
	if want := stored(t, d); !reflect.DeepEqual(got, want) {
		t.Fatalf("view serves\n%+v\nthe store would serve\n%+v", got, want)
	}
	if got.Spec == nil || got.Spec.Image != "img:3" || got.LabelMap["team"] != "risk" {
		t.Fatalf("spec and labels not presented: %+v", got)
	}
	// A caller changing its copy changes nobody else's.
	got.Spec.Image, got.LabelMap["team"], got.Labels[0].Value = "mutated", "mutated", "mutated"
	again, _ := v.Deployment(d.ID)
	if again.Spec.Image != "img:3" || again.LabelMap["team"] != "risk" || again.Labels[0].Value == "mutated" {
		t.Fatalf("callers share a document: %+v", again)
	}
	v.Publish(version(t, d.ID, 4))
	if again, _ := v.Deployment(d.ID); again.Seq != 4 || again.Spec.Image != "img:4" {
		t.Fatalf("republished document not served: seq %d image %s", again.Seq, again.Spec.Image)
	}
}

func TestViewEvictsBeyondItsLimit(t *testing.T) {
	v := NewDeploymentView(3)
	for i := range 10 {
		d := version(t, fmt.Sprintf("acme/fraud/d%d", i), i+1)
		v.Publish(d)
		v.Written(d)
		if v.Len() > 3 {
			t.Fatalf("view holds %d documents, limit 3", v.Len())
		}
	}
	held := 0
	for i := range 10 {
		id := fmt.Sprintf("acme/fraud/d%d", i)
		if d, ok := v.Deployment(id); ok {
			held++
			if d.ID != id || d.Seq != uint64(i+1) {
				t.Fatalf("%s served as %s seq %d", id, d.ID, d.Seq)
			}
		}
	}
	if held != 3 {
		t.Fatalf("%d documents served, want 3", held)
	}
	if _, ok := v.Deployment("acme/fraud/d9"); !ok {
		t.Fatal("the last published document was evicted")
	}
	// Republishing a held document evicts nothing.
	v.Publish(version(t, "acme/fraud/d9", 20))
	if v.Len() != 3 {
		t.Fatalf("republishing changed the size to %d", v.Len())
	}
}

// TestViewKeepsWhatTheStoreLacks: a document published and not yet written
// is never evicted (a lookup that missed would read an older version from
// the store) until the store has that version or a later one; the view
// grows past its limit rather than evict it, and shrinks back as the
// writes are recorded.
func TestViewKeepsWhatTheStoreLacks(t *testing.T) {
	v := NewDeploymentView(2)
	ahead := version(t, "acme/fraud/ahead", 5)
	v.Publish(ahead)
	for i := range 5 {
		d := version(t, fmt.Sprintf("acme/fraud/d%d", i), i+1)
		v.Publish(d)
		v.Written(d)
		if got, ok := v.Deployment(ahead.ID); !ok || got.Seq != 5 {
			t.Fatalf("after %d others: the unwritten document evicted (%v, seq %d)", i+1, ok, got.Seq)
		}
	}
	if v.Pinned() != 1 || v.Len() != 2 {
		t.Fatalf("pinned %d, held %d; want 1 and 2", v.Pinned(), v.Len())
	}
	// Every document unwritten: the view grows past its limit.
	for i := range 3 {
		v.Publish(version(t, fmt.Sprintf("acme/fraud/new%d", i), 1))
	}
	if v.Len() != 4 || v.Pinned() != 4 {
		t.Fatalf("held %d, pinned %d; want 4 and 4", v.Len(), v.Pinned())
	}
	// An older version written (a flush that began before version 6 was
	// published) leaves it pinned; its own write unpins it.
	v.Publish(version(t, ahead.ID, 6))
	v.Written(ahead)
	if v.Pinned() != 4 {
		t.Fatalf("an older write unpinned a newer version: %d pinned", v.Pinned())
	}
	v.Written(version(t, ahead.ID, 6))
	if v.Pinned() != 3 {
		t.Fatalf("its own write left it pinned: %d pinned", v.Pinned())
	}
	v.Reset()
	if v.Len() != 0 || v.Pinned() != 0 {
		t.Fatalf("after a reset: held %d, pinned %d", v.Len(), v.Pinned())
	}
}

// TestViewConcurrentReaders runs readers against one writer publishing new
// versions (run with -race): every document read is one whole published
// version, and versions never go back for a reader.
func TestViewConcurrentReaders(t *testing.T) {
	const versions, readers = 300, 4
	ids := []string{"acme/fraud/a", "acme/fraud/b"}
	docs := make([]Deployment, versions+1)
	for n := 1; n <= versions; n++ {
		docs[n] = version(t, "", n)
	}
	v := NewDeploymentView(len(ids))
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := map[string]uint64{}
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				id := ids[(i+r)%len(ids)]
				d, ok := v.Deployment(id)
				if !ok {
					continue
				}
				n := int(d.Seq)
				if d.ID != id || d.Revision != n || d.Spec == nil || d.Spec.Image != fmt.Sprintf("img:%d", n) || d.LabelMap["team"] != "risk" {
					errs <- fmt.Errorf("%s: torn document: seq %d revision %d spec %+v", id, d.Seq, d.Revision, d.Spec)
					return
				}
				if d.Seq < last[id] {
					errs <- fmt.Errorf("%s went back from %d to %d", id, last[id], d.Seq)
					return
				}
				last[id] = d.Seq
				d.Spec.Image, d.LabelMap["team"] = "mine", "mine" // a caller's copy is its own
			}
		}()
	}
	for n := 1; n <= versions; n++ {
		for _, id := range ids {
			d := docs[n]
			d.ID = id
			v.Publish(d)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

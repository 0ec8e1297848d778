package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/events"
)

// fleetQuery is the API request measured, and rawFleetFilter its driver
// equivalent (what the api builds for it, ANDed the same way).
const fleetQuery = "/v1/deployments?label=team%3Drisk&search=abc"

func rawFleetFilter() bson.M {
	return bson.M{
		"labels":     bson.M{"$all": bson.A{bson.D{{Key: "k", Value: "team"}, {Key: "v", Value: "risk"}}}},
		"name":       bson.M{"$regex": "abc", "$options": "i"},
		"terminated": bson.M{"$ne": true},
	}
}

// runQueries fills the read model with N deployment documents shaped like
// one the projector wrote, then times the fleet list with a label filter and
// a name search against the driver's Find with the equivalent filter, sort
// (by _id) and limit (51: the api reads one more than a page of 50).
func runQueries(ctx context.Context, e *env) ([]Row, error) {
	sizes := e.cfg.Sizes
	if len(sizes) == 0 {
		sizes = []int{100, 1000}
		if e.cfg.Quick {
			sizes = []int{100}
		}
	}
	slices.Sort(sizes)
	s, err := e.simStack(ctx, "queries")
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	c := newClient(s.URL)
	seed := events.DeploymentRef{Owner: "bench", Project: "queries", Name: "seed"}
	if err := c.create(ctx, seed, map[string]string{"team": "risk"}, spec("ghcr.io/acme/scorer:1.0", 1)); err != nil {
		return nil, err
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(s.MongoURI).SetTimeout(2 * time.Minute))
	if err != nil {
		return nil, err
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	coll := mc.Database(s.MongoDB).Collection("deployments")
	var doc bson.M
	if err := coll.FindOne(ctx, bson.M{"_id": seed.String()}).Decode(&doc); err != nil {
		return nil, fmt.Errorf("seed document: %w", err)
	}
	var rows []Row
	have := 1
	stop := s.StopAPI
	for _, n := range sizes {
		if err := fillFleet(ctx, coll, doc, have, n); err != nil {
			return rows, err
		}
		have = max(have, n)
		rawN, err := driverFleet(ctx, coll)
		if err != nil {
			return rows, err
		}
		// The fill wrote behind the projector: only an api that starts
		// leading now loads it into its fleet index (a few hundred ms at
		// N=1,000, after it takes the lease); a discarded first pass covers
		// that load.
		if err := stop(); err != nil {
			return rows, err
		}
		leader, err := s.StartAPI(s.MongoDB)
		if err != nil {
			return rows, err
		}
		stop = leader.Stop
		lc := newClient(leader.URL)
		if err := untilFleet(ctx, lc, rawN); err != nil {
			return rows, fmt.Errorf("N=%d: %w", n, err)
		}
		budget := time.Duration(e.pick(3, 10)) * time.Second
		if _, err := timed(ctx, budget, func(ctx context.Context) (int, error) { return apiFleet(ctx, lc) }); err != nil {
			return rows, err
		}
		var slip run
		err = e.profile(fmt.Sprintf("queries-%d", n), func() (err error) {
			slip, err = timed(ctx, budget, func(ctx context.Context) (int, error) { return apiFleet(ctx, lc) })
			return err
		})
		if err != nil {
			return rows, err
		}
		raw, err := timed(ctx, budget, func(ctx context.Context) (int, error) { return driverFleet(ctx, coll) })
		if err != nil {
			return rows, err
		}
		name := fmt.Sprintf("fleet query N=%s", thousands(int64(n)))
		rows = append(rows,
			Row{Benchmark: name + ": p50", Slipway: slip.lat.quantile(0.5), Baseline: raw.lat.quantile(0.5), Unit: "ms",
				Note: fmt.Sprintf("GET %s, summaries from the projector's fleet index (%d runs) vs driver Find (%d runs) within %s each", fleetQuery, len(slip.lat), len(raw.lat), budget)},
			Row{Benchmark: name + ": p99", Slipway: slip.lat.quantile(0.99), Baseline: raw.lat.quantile(0.99), Unit: "ms"})
	}
	return rows, stop()
}

// untilFleet waits until the api's fleet query finds want documents.
func untilFleet(ctx context.Context, c *client, want int) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		got, err := apiFleet(ctx, c)
		if err == nil && got == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the api found %d deployments, the driver %d (%v)", got, want, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// fillFleet inserts documents from index have up to n, copies of seed with
// their own id, name, project, labels and creation time: a quarter of them
// in team risk, one in ten with "abc" in its name.
func fillFleet(ctx context.Context, coll *mongo.Collection, seed bson.M, have, n int) error {
	teams := []string{"risk", "growth", "search", "ads"}
	var batch []any
	for i := have; i < n; i++ {
		name := fmt.Sprintf("model-%05d", i)
		if i%10 == 0 {
			name = fmt.Sprintf("abc-model-%05d", i)
		}
		project := fmt.Sprintf("fleet-%02d", i%20)
		d := bson.M{}
		for k, v := range seed {
			d[k] = v
		}
		d["_id"], d["name"], d["project"] = "bench/"+project+"/"+name, name, project
		d["labels"] = bson.A{bson.D{{Key: "k", Value: "team"}, {Key: "v", Value: teams[i%len(teams)]}},
			bson.D{{Key: "k", Value: "tier"}, {Key: "v", Value: fmt.Sprint(i % 3)}}}
		d["createdAt"] = time.Now().Add(-time.Duration(n-i) * time.Minute)
		if batch = append(batch, d); len(batch) == 1000 || i == n-1 {
			if _, err := coll.InsertMany(ctx, batch); err != nil {
				return fmt.Errorf("insert fleet: %w", err)
			}
			batch = nil
		}
	}
	return nil
}

// apiFleet runs the fleet query through the API and returns the documents
// it read: the page's items, plus the one more it reads to know there is a
// next page (as the driver query reads limit+1).
func apiFleet(ctx context.Context, c *client) (int, error) {
	code, _, b, err := c.do(ctx, http.MethodGet, fleetQuery, nil, nil)
	if err != nil {
		return 0, err
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d %s", fleetQuery, code, b)
	}
	var page struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor string            `json:"nextCursor"`
	}
	err = json.Unmarshal(b, &page)
	if page.NextCursor != "" {
		return len(page.Items) + 1, err
	}
	return len(page.Items), err
}

// driverFleet runs the equivalent query with the driver.
func driverFleet(ctx context.Context, coll *mongo.Collection) (int, error) {
	cur, err := coll.Find(ctx, rawFleetFilter(), options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(51))
	if err != nil {
		return 0, err
	}
	var docs []bson.M
	err = cur.All(ctx, &docs)
	return len(docs), err
}

// timed calls fn at least 3 times and until budget is spent; every call
// must find the same, non-zero number of items.
func timed(ctx context.Context, budget time.Duration, fn func(context.Context) (int, error)) (run, error) {
	var r run
	began, want := time.Now(), -1
	for len(r.lat) < 3 || time.Since(began) < budget {
		t := time.Now()
		n, err := fn(ctx)
		if err != nil {
			return r, err
		}
		r.lat = append(r.lat, time.Since(t))
		if want >= 0 && n != want || n == 0 {
			return r, fmt.Errorf("query found %d items, earlier %d", n, want)
		}
		want = n
	}
	r.wall = time.Since(began)
	return r, nil
}

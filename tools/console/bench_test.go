package console

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/services/api"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/devstacktest"
)

// TestFleetNumbers measures the fleet page with 1,000 deployments: the time
// from navigation to the first page of rows drawn (the performance mark
// slipway:fleet-rendered), the bytes transferred for it, and the time from
// an event (its envelope's time) to the row showing it (the measures
// slipway:event-to-row). A measurement, not a pass condition: it runs only
// with SLIPWAY_CONSOLE_NUMBERS=1 and logs a table.
func TestFleetNumbers(t *testing.T) {
	if os.Getenv("SLIPWAY_CONSOLE_NUMBERS") != "1" {
		t.Skip("a measurement: SLIPWAY_CONSOLE_NUMBERS=1 runs it")
	}
	b := browser(t)
	admin := api.GenerateToken()
	s := devstacktest.Start(t, devstack.Options{ClusterMode: devstack.ClusterSimulated, MaxConcurrentRollouts: 100, Auth: &api.AuthConfig{AdminToken: admin}})
	client := apitest.New(s.URL).As(admin)
	const n = 1000
	start := time.Now()
	var wg sync.WaitGroup
	names := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range names {
				r := client.Do(t, http.MethodPost, "/v1/projects/acme/fleet/deployments",
					map[string]any{"name": fmt.Sprintf("model-%04d", i), "spec": map[string]any{"image": "ghcr.io/acme/model:1.0", "replicas": 1}})
				if r.Status != http.StatusAccepted {
					t.Errorf("create model-%04d: %d %s", i, r.Status, r.Body)
				}
			}
		})
	}
	for i := range n {
		names <- i
	}
	close(names)
	wg.Wait()
	apitest.Eventually(t, 10*time.Minute, "1,000 deployments listed", func() bool { return listed(t, client, "") == n })
	t.Logf("%d deployments created and listed in %s", n, time.Since(start).Round(time.Second))
	// Measured once the fleet has settled: every first rollout done.
	apitest.Eventually(t, 10*time.Minute, "1,000 deployments running", func() bool { return listed(t, client, "Running") == n })
	t.Logf("%d deployments running after %s", n, time.Since(start).Round(time.Second))

	page := tab(t, b)
	signIn(t, page, world{url: s.URL}, admin)
	rows := []string{}
	for _, limit := range []int{50, 500} {
		var paints []float64
		var bytes int64
		for i := range 5 {
			// A fresh document each time (a change of the hash alone would
			// keep the old one).
			run(t, page, chromedp.Navigate(fmt.Sprintf("%s/ui/?load=%d-%d#/?limit=%d", s.URL, limit, i, limit)))
			waitText(t, page, "p[role=status]", 20*time.Second, fmt.Sprintf("%d deployments on this page", limit))
			if n := evalJS[int](t, page, `document.querySelectorAll("tbody tr").length`); n != limit {
				t.Fatalf("%d rows drawn, want %d", n, limit)
			}
			paints = append(paints, evalJS[float64](t, page, `performance.getEntriesByName("slipway:fleet-rendered")[0]?.startTime ?? -1`))
			bytes = evalJS[int64](t, page, `[...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")].reduce((n, e) => n + (e.transferSize || 0), 0)`)
		}
		slices.Sort(paints)
		rows = append(rows, fmt.Sprintf("| fleet page, %d rows of %d: navigation to rows drawn | median %.0f ms, max %.0f ms (5 loads) |", limit, n, paints[2], paints[4]),
			fmt.Sprintf("| fleet page, %d rows: bytes transferred (document, scripts, styles, API reads; the event stream open) | %d |", limit, bytes))
	}

	// Event -> page: updates to deployments on the page, while the page is open.
	run(t, page, chromedp.Navigate(s.URL+"/ui/?load=updates#/?limit=50"))
	waitText(t, page, "table tbody", 20*time.Second, "model-0000")
	const updates = 100
	for i := range updates {
		r := client.Do(t, http.MethodPatch, fmt.Sprintf("/v1/projects/acme/fleet/deployments/model-%04d", i%50),
			map[string]any{"spec": map[string]any{"image": fmt.Sprintf("ghcr.io/acme/model:1.%d", i+1)}}, "Content-Type", "application/merge-patch+json")
		if r.Status != http.StatusAccepted {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitText(t, page, `tr[data-id="acme/fleet/model-0049"]`, 60*time.Second, fmt.Sprintf("model:1.%d", updates))
	time.Sleep(2 * time.Second) // the rollouts' last events
	for _, m := range []struct{ name, what string }{
		{"slipway:event-delivered", "event -> in the page (the event stream)"},
		{"slipway:event-to-row", "event -> row on the fleet page drawn again"},
	} {
		lat := evalJS[[]float64](t, page, fmt.Sprintf(`performance.getEntriesByName(%q).map((e) => e.duration)`, m.name))
		if len(lat) == 0 {
			t.Fatalf("no %s", m.name)
		}
		slices.Sort(lat)
		q := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		rows = append(rows, fmt.Sprintf("| %s (%d, %d updates) | p50 %.0f ms, p99 %.0f ms, max %.0f ms |", m.what, len(lat), updates, q(0.5), q(0.99), lat[len(lat)-1]))
	}
	t.Log("\n| measure | value |\n| --- | --- |\n" + joinLines(rows))
}

// listed counts the deployments of acme/fleet the API lists.
func listed(t *testing.T, c *apitest.Client, status string) int {
	total, cursor := 0, ""
	for {
		var page struct {
			Items      []struct{ ID string }
			NextCursor string `json:"nextCursor"`
		}
		c.Do(t, http.MethodGet, "/v1/deployments?limit=500&project=acme/fleet&status="+status+"&cursor="+cursor, nil).Decode(t, &page)
		total += len(page.Items)
		if page.NextCursor == "" {
			return total
		}
		cursor = page.NextCursor
	}
}

func joinLines(rows []string) string { return strings.Join(rows, "\n") + "\n" }

package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// What a query's answer can be instead of one number.
var (
	ErrNoData      = errors.New("the query returned no series")
	ErrManySeries  = errors.New("the query returned more than one series")
	ErrNotANumber  = errors.New("the query's value is not a number")
	ErrNotInstant  = errors.New("the query's result is not an instant vector or a scalar")
	ErrUnreachable = errors.New("prometheus did not answer")
)

const (
	defaultTimeout  = 10 * time.Second
	maxSeriesInText = 3 // series an ErrManySeries names
)

// Prometheus is a Provider querying a Prometheus server's HTTP API with
// instant queries.
type Prometheus struct {
	address string
	api     v1.API
	// Timeout bounds a query whose context has no deadline.
	Timeout time.Duration
}

// NewPrometheus returns a provider for the server at address, an http(s)
// URL such as http://prometheus.monitoring:9090.
func NewPrometheus(address string) (*Prometheus, error) {
	u, err := url.Parse(address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prometheus address %q: want an http(s) URL", address)
	}
	c, err := api.NewClient(api.Config{Address: address})
	if err != nil {
		return nil, fmt.Errorf("prometheus address %q: %w", address, err)
	}
	return &Prometheus{address: address, api: v1.NewAPI(c), Timeout: defaultTimeout}, nil
}

// Query runs promql as an instant query at at. Its value is that of a
// vector of exactly one sample, or of a scalar; anything else is an error
// naming what came back: ErrNoData, ErrManySeries, ErrNotANumber (NaN or an
// infinity), ErrNotInstant, or ErrUnreachable with the cause.
func (p *Prometheus) Query(ctx context.Context, promql string, at time.Time) (float64, error) {
	if _, ok := ctx.Deadline(); !ok && p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	res, _, _, err := p.api.Query(ctx, promql, at)
	if err != nil {
		var apiErr *v1.Error
		if errors.As(err, &apiErr) && apiErr.Type != v1.ErrClient && apiErr.Type != v1.ErrServer {
			// Prometheus answered and refused the query (bad_data, execution, ...).
			return 0, fmt.Errorf("prometheus at %s: %w", p.address, err)
		}
		return 0, fmt.Errorf("prometheus at %s: %w: %w", p.address, ErrUnreachable, err)
	}
	v, err := one(res)
	if err != nil {
		return 0, fmt.Errorf("prometheus at %s: %w", p.address, err)
	}
	return v, nil
}

func one(res model.Value) (float64, error) {
	var v float64
	switch r := res.(type) {
	case model.Vector:
		switch len(r) {
		case 0:
			return 0, ErrNoData
		case 1:
			v = float64(r[0].Value)
		default:
			return 0, fmt.Errorf("%w: %d (%s)", ErrManySeries, len(r), seriesText(r))
		}
	case *model.Scalar:
		v = float64(r.Value)
	default:
		return 0, fmt.Errorf("%w: a %s", ErrNotInstant, res.Type())
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: %v", ErrNotANumber, v)
	}
	return v, nil
}

func seriesText(vec model.Vector) string {
	names := make([]string, 0, maxSeriesInText+1)
	for i, s := range vec {
		if i == maxSeriesInText {
			names = append(names, "...")
			break
		}
		names = append(names, s.Metric.String())
	}
	return strings.Join(names, ", ")
}

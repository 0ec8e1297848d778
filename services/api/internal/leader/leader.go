// Package leader makes one replica the only one doing a job (the api's
// projector, the single writer of the read models): a lease in a JetStream
// KV bucket, taken with an atomic create, or a compare-and-swap on a lease
// that expired or that this holder held before, and renewed while held.
//
// The contract with the job: it runs with a context that ends before the
// lease can pass to another replica. The lease lasts TTL from each renewal;
// renewals come every TTL/4, and a holder that has not renewed for TTL/2
// stops the job, so the job has at least TTL/2 (minus clock skew between
// replicas) to stop writing before anyone else may start. Run contends again
// only after the job has returned.
package leader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
)

// errLost means another holder has the lease now.
var errLost = errors.New("lease taken by another holder")

// Lease is one job's lease.
type Lease struct {
	kv     jetstream.KeyValue
	key    string
	holder string
	ttl    time.Duration
	log    *slog.Logger
	now    func() time.Time
	// onChange, when set, is told when this replica starts and stops leading.
	onChange func(leading bool)
}

// Config configures a Lease.
type Config struct {
	KV  jetstream.KeyValue
	Key string // the job, a KV key
	// Holder names this replica. A holder that restarts with the same name
	// takes its lease back at once instead of waiting for it to expire.
	Holder string
	TTL    time.Duration
	Logger *slog.Logger
	// OnChange is told when this replica starts (true) and stops leading.
	OnChange func(leading bool)
}

// New returns the lease of cfg.Key.
func New(cfg Config) (*Lease, error) {
	if cfg.KV == nil || cfg.Key == "" || cfg.Holder == "" || cfg.TTL <= 0 {
		return nil, errors.New("leader: KV, Key, Holder and a positive TTL are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Lease{kv: cfg.KV, key: cfg.Key, holder: cfg.Holder, ttl: cfg.TTL, log: log, now: time.Now, onChange: cfg.OnChange}, nil
}

type holding struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// Run competes for the lease until ctx ends and runs job while it holds it.
// A job that returns an error ends Run with that error (the lease released);
// one that returns nil while ctx lasts is started again once the lease is
// taken again.
func (l *Lease) Run(ctx context.Context, job func(context.Context) error) error {
	freed, stop := l.watchReleases(ctx)
	defer stop()
	for {
		rev, ok, err := l.acquire(ctx)
		if err != nil && ctx.Err() == nil {
			l.log.WarnContext(ctx, "lease: could not read or take", "lease", l.key, "err", err)
		}
		if ok {
			if err := l.hold(ctx, rev, job); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if !ok {
			select {
			case <-ctx.Done():
				return nil
			case <-freed:
			case <-time.After(l.ttl / 4):
			}
		}
	}
}

// hold runs job while the lease is renewed. It returns job's error, or nil
// when ctx ended or the lease was lost.
func (l *Lease) hold(ctx context.Context, rev uint64, job func(context.Context) error) error {
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	l.changed(ctx, true)
	defer l.changed(ctx, false)
	go func() { done <- job(jobCtx) }()
	renew := time.NewTicker(l.ttl / 4)
	defer renew.Stop()
	deadline := time.NewTimer(l.ttl / 2)
	defer deadline.Stop()
	for {
		select {
		case err := <-done:
			l.release(rev)
			if ctx.Err() != nil {
				// ctx ended and the job saw it first (its ctx is a child):
				// the same stop as the case below, which select may not pick.
				return ignoreCanceled(err)
			}
			return err
		case <-ctx.Done():
			cancel()
			err := <-done
			l.release(rev)
			return ignoreCanceled(err)
		case <-deadline.C:
			l.log.WarnContext(ctx, "lease: not renewed in time; stopping the job", "lease", l.key)
			cancel()
			return ignoreCanceled(<-done)
		case <-renew.C:
			next, err := l.renew(ctx, rev)
			switch {
			case err == nil:
				rev = next
				deadline.Reset(l.ttl / 2)
			case errors.Is(err, errLost):
				l.log.WarnContext(ctx, "lease: lost; stopping the job", "lease", l.key)
				cancel()
				return ignoreCanceled(<-done)
			default: // keep the job until the deadline; the next tick tries again
				l.log.WarnContext(ctx, "lease: renewal failed", "lease", l.key, "err", err)
			}
		}
	}
}

// ignoreCanceled drops the error of a job stopped because the lease went.
func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (l *Lease) changed(ctx context.Context, leading bool) {
	if leading {
		l.log.InfoContext(ctx, "lease: leading", "lease", l.key, "holder", l.holder)
	} else {
		l.log.InfoContext(ctx, "lease: stopped leading", "lease", l.key, "holder", l.holder)
	}
	if l.onChange != nil {
		l.onChange(leading)
	}
}

// acquire takes the lease when it is free, expired or already this holder's.
func (l *Lease) acquire(ctx context.Context) (uint64, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, l.ttl/4)
	defer cancel()
	val, err := l.value()
	if err != nil {
		return 0, false, err
	}
	entry, err := l.kv.Get(ctx, l.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		rev, err := l.kv.Create(ctx, l.key, val)
		if bus.LostRace(err) {
			return 0, false, nil
		}
		return rev, err == nil, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("read lease %s: %w", l.key, err)
	}
	var h holding
	if json.Unmarshal(entry.Value(), &h) == nil && h.Holder != l.holder && l.now().Before(h.Expires) {
		return 0, false, nil
	}
	rev, err := l.kv.Update(ctx, l.key, val, entry.Revision())
	if bus.LostRace(err) {
		return 0, false, nil
	}
	return rev, err == nil, err
}

// renew extends the lease held at rev; errLost when it is not ours any more.
func (l *Lease) renew(ctx context.Context, rev uint64) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, l.ttl/4)
	defer cancel()
	val, err := l.value()
	if err != nil {
		return 0, err
	}
	next, err := l.kv.Update(ctx, l.key, val, rev)
	if bus.LostRace(err) {
		return 0, errLost
	}
	if err != nil {
		return 0, fmt.Errorf("renew lease %s: %w", l.key, err)
	}
	return next, nil
}

// release frees the lease at once if it is still ours, so another replica
// need not wait for it to expire.
func (l *Lease) release(rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), l.ttl/4)
	defer cancel()
	if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev)); err != nil && !bus.LostRace(err) {
		l.log.Warn("lease: release failed; it expires instead", "lease", l.key, "err", err)
	}
}

// watchReleases signals when the lease is deleted (released), so a waiting
// replica takes it at once rather than at its next attempt.
func (l *Lease) watchReleases(ctx context.Context) (<-chan struct{}, func()) {
	freed := make(chan struct{}, 1)
	w, err := l.kv.Watch(ctx, l.key, jetstream.UpdatesOnly())
	if err != nil {
		l.log.WarnContext(ctx, "lease: cannot watch; polling only", "lease", l.key, "err", err)
		return freed, func() {}
	}
	go func() {
		for e := range w.Updates() {
			if e != nil && e.Operation() != jetstream.KeyValuePut {
				select {
				case freed <- struct{}{}:
				default:
				}
			}
		}
	}()
	return freed, func() { _ = w.Stop() }
}

func (l *Lease) value() ([]byte, error) {
	return json.Marshal(holding{Holder: l.holder, Expires: l.now().Add(l.ttl)})
}

package bus

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// MaxReplicas is the most copies JetStream keeps of a stream (its limit).
const MaxReplicas = 5

// CheckReplicas says whether n is a replica count JetStream accepts: 1 on a
// single server, up to MaxReplicas (and at most the cluster's nodes) on a
// cluster. Services validate their configuration with it.
func CheckReplicas(n int) error {
	if n < 1 || n > MaxReplicas {
		return fmt.Errorf("stream replicas %d: must be between 1 and %d", n, MaxReplicas)
	}
	return nil
}

// replicasFor is how many replicas the stream named name gets when it is
// declared wanting want (0: the Conn's count): the larger of want and what
// the live stream already has. Declaring never lowers a stream's replicas: a
// service started with a smaller count (an older config, `slipway dev`'s
// default) must not undo a raise other services asked for. Lowering is an
// operator's deliberate act (`nats stream edit --replicas`).
func (c *Conn) replicasFor(ctx context.Context, name string, want int) (int, error) {
	if want == 0 {
		want = c.replicas
	}
	s, err := c.js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return want, nil
	}
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", name, err)
	}
	return max(want, s.CachedInfo().Config.Replicas), nil
}

// kvStream is the stream JetStream keeps a key-value bucket in.
func kvStream(bucket string) string { return "KV_" + bucket }

// ParseReplicas reads a configured replica count: empty is 1, anything
// else must be a whole number CheckReplicas accepts.
func ParseReplicas(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("stream replicas %q: not a whole number", s)
	}
	return n, CheckReplicas(n)
}

// EnvStreamReplicas is the variable every service reads its replica count
// from (ReplicasFlag).
const EnvStreamReplicas = "SLIPWAY_STREAM_REPLICAS"

// ReplicasFlag registers -stream-replicas on fs, writing to dst, whose
// default is EnvStreamReplicas read through getenv (unset: 1). A value the
// variable or the flag gives that CheckReplicas refuses is an error.
func ReplicasFlag(fs *flag.FlagSet, dst *int, getenv func(string) string) error {
	n, err := ParseReplicas(getenv(EnvStreamReplicas))
	if err != nil {
		return fmt.Errorf("%s: %w", EnvStreamReplicas, err)
	}
	*dst = n
	fs.Func("stream-replicas", "copies of every stream and bucket, on as many NATS cluster nodes; raised in place on live ones (default 1)",
		func(s string) (err error) { *dst, err = ParseReplicas(s); return err })
	return nil
}

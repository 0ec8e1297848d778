package client

import (
	"context"
	"time"
)

// maxWait is the longest long poll the API accepts.
const maxWait = 10 * time.Minute

// GetOperation reads an operation, the API holding the answer up to wait
// (at most 10 minutes) for it to end.
func (c *Client) GetOperation(ctx context.Context, id string, wait time.Duration) (Operation, error) {
	var op Operation
	_, err := c.send(ctx, call{route: routeGetOperation, params: []string{id}, options: waitOptions{Wait: wait}}, &op)
	return op, err
}

// Wait waits for an operation to end and returns it, however it ended
// (Operation.Err says whether it failed). It long-polls the API and stops
// when ctx is done, returning ctx's error.
func (c *Client) Wait(ctx context.Context, id string) (Operation, error) {
	pause := c.PollInterval
	if pause <= 0 {
		pause = 500 * time.Millisecond
	}
	for {
		wait := maxWait
		if deadline, ok := ctx.Deadline(); ok {
			wait = min(wait, max(time.Until(deadline).Round(time.Second), time.Second))
		}
		op, err := c.GetOperation(ctx, id, wait)
		if err != nil || op.Ended() {
			return op, err
		}
		select {
		case <-ctx.Done():
			return op, ctx.Err()
		case <-time.After(pause):
		}
	}
}

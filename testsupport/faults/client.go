package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client sends the schedule's commands, retrying what failed in transit
// or with a 5xx under the same Idempotency-Key, as a careful client does.
type client struct {
	base string
	http *http.Client
}

// answer is how a command ended for the client.
type answer struct {
	Status      int
	OperationID string // set on 200 and 202: the command is stored
	Body        []byte
	Key         string // the Idempotency-Key every attempt carried
	Attempts    []Attempt
	// Cut says the client stopped retrying because the schedule ended (its
	// context), not because its patience ran out.
	Cut bool
}

// Attempt is one request of a command as the client saw it. Down and
// During are set after the run, from the fault log (see markDown).
type Attempt struct {
	Start, End time.Time
	Status     int    // 0: no answer
	Err        string // the transport error when Status is 0
	// Down says the api was killed or the store stopped (or had been
	// within restartMargin) at some moment of the attempt.
	Down bool
	// During names the faults in place at some moment of the attempt.
	During []string
}

// answered says whether the command got an answer that is not an outage:
// 2xx or 4xx.
func (a answer) answered() bool { return a.Status >= 200 && a.Status < 500 }

// stored says whether the answer means the command was stored (and so
// must have exactly one outcome).
func (a answer) stored() bool {
	return (a.Status == http.StatusAccepted || a.Status == http.StatusOK) && a.OperationID != ""
}

// send sends a command with key as its Idempotency-Key, retrying transport
// errors and 5xx answers until one is neither or patience runs out.
func (c *client) send(ctx context.Context, method, path string, body any, key string, patience time.Duration) answer {
	deadline := time.Now().Add(patience)
	a := answer{Key: key}
	for {
		at := Attempt{Start: time.Now()}
		a.Status, a.Body = c.once(ctx, method, path, body, key)
		at.End, at.Status = time.Now(), a.Status
		if a.Status == 0 {
			at.Err = string(a.Body)
		}
		a.Attempts = append(a.Attempts, at)
		if a.Status != 0 && a.Status < 500 {
			break
		}
		if ctx.Err() != nil {
			a.Cut = true
			return a
		}
		if time.Now().After(deadline) {
			return a
		}
		select {
		case <-ctx.Done():
			a.Cut = true
			return a
		case <-time.After(250 * time.Millisecond):
		}
	}
	if a.Status == http.StatusAccepted || a.Status == http.StatusOK {
		var op struct{ ID string }
		if json.Unmarshal(a.Body, &op) == nil {
			a.OperationID = op.ID
		}
	}
	return a
}

// once is one request: its status (0 when it got no answer) and body.
func (c *client) once(ctx context.Context, method, path string, body any, key string) (int, []byte) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(fmt.Sprintf("encode %v: %v", body, err)) // the schedule's own bodies
		}
		r = bytes.NewReader(b)
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, c.base+path, r)
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// get reads path, decoding JSON into v; false when it could not.
func (c *client) get(ctx context.Context, path string, v any) bool {
	status, b := c.once(ctx, http.MethodGet, path, nil, "")
	return status == http.StatusOK && json.Unmarshal(b, v) == nil
}

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }

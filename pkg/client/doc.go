// Package client is the Go client of Slipway's HTTP API: every route of
// /v1/openapi.json as a method of *Client, typed requests and answers
// (sharing the wire types of slipway.dev/pkg/events and pkg/specdiff where
// the API's bodies are made of them), RFC 9457 problems as *ProblemError
// (matched with errors.As, carrying the field errors), an Idempotency-Key on
// every mutation, Wait for operations and Watch of the event stream, which
// resumes after a dropped connection from the last event received.
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("SLIPWAY_TOKEN"))
//	op, err := c.CreateDeployment(ctx, client.Project{Owner: "acme", Name: "fraud"},
//		client.CreateDeploymentRequest{Name: "scorer", Spec: &events.Spec{Image: "ghcr.io/acme/scorer:1.0"}},
//		client.CommandOptions{})
//	if err != nil { ... }
//	op, err = c.Wait(ctx, op.ID)
//
// Every answer keeps the JSON the API sent (JSON()), so a caller can show
// fields this client does not know yet. Routes lists the routes with the
// types of their options, bodies and answers; the API's tests compare it
// with the OpenAPI document (services/api/internal/httpapi,
// TestClientsCoverTheDocument), so a route or field the API gains fails
// them until the client has it.
package client

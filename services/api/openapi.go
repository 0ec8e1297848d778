package api

import "slipway.dev/services/api/internal/httpapi"

// OpenAPIDocument returns the API's OpenAPI document as GET /v1/openapi.json
// serves it, for clients' tests (the CLI checks it covers every route).
func OpenAPIDocument() []byte {
	return append([]byte(nil), httpapi.OpenAPIDocument()...)
}

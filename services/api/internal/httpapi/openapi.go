package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"
)

// openapiYAML is the API's OpenAPI 3 document, written by hand.
//
//go:embed openapi.yaml
var openapiYAML []byte

// openapiJSON is the document as served: converted once, when the program
// starts, so a broken document stops the program (and every test) at once.
var openapiJSON = mustJSON(openapiYAML)

// OpenAPIDocument is the document GET /v1/openapi.json serves (JSON); the
// caller must not change it.
func OpenAPIDocument() []byte { return openapiJSON }

// openapi answers GET /v1/openapi.json.
func (a *API) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openapiJSON)
}

func mustJSON(doc []byte) []byte {
	out, err := yamlToJSON(doc)
	if err != nil {
		panic("httpapi: openapi.yaml: " + err.Error())
	}
	return out
}

// yamlToJSON converts a YAML document to JSON.
func yamlToJSON(doc []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	v, err := jsonValue(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// jsonValue turns what yaml.v3 decodes into values encoding/json accepts: a
// mapping with a key that is not a string (a status code like 200) decodes
// to map[any]any, whose keys become their YAML text.
func jsonValue(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			conv, err := jsonValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			v[k] = conv
		}
		return v, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			switch k.(type) {
			case map[string]any, map[any]any, []any:
				return nil, fmt.Errorf("a mapping key must be a scalar, not %T", k)
			}
			key := fmt.Sprint(k)
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("key %s appears twice", key)
			}
			conv, err := jsonValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			out[key] = conv
		}
		return out, nil
	case []any:
		for i, e := range v {
			conv, err := jsonValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			v[i] = conv
		}
		return v, nil
	}
	return v, nil
}

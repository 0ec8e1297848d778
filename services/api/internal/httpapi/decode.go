package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
)

// maxBody bounds every request body, whatever the bus accepts.
const maxBody = 1 << 20

// busReserve is what a command adds around the body it carries, kept free
// of the bus's maximum message size: the envelope's fields (id, type,
// source, subject, time, actor, correlation id, traceparent: under 2 KiB
// with a long actor), the command's own fields (deployment ref, request
// hash, expected sequence: under 1 KiB) and the NATS headers (Ce-Type,
// Nats-Msg-Id, Nats-Expected-Stream, traceparent and a caller's tracestate,
// which W3C allows up to 32 members of 512 bytes: about 16.5 KiB).
const busReserve = 32 << 10

// bodyLimit is the largest body accepted: one whose command fits in a bus
// message. A body whose re-encoding grows (JSON escapes of "<", ">", "&",
// U+2028, invalid UTF-8) can still make a larger command: the bus then
// refuses it before sending and problemFor answers 413 too.
func (a *API) bodyLimit() int64 {
	if a.BusMaxPayload == nil {
		return maxBody
	}
	bus := a.BusMaxPayload()
	if bus <= busReserve { // not known yet (never connected)
		return maxBody
	}
	return min(maxBody, bus-busReserve)
}

// limitBody caps every request body at bodyLimit; reading past it fails
// with an *http.MaxBytesError, which decodeStrict answers 413.
func (a *API) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if req := c.Request(); req.Body != nil {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, a.bodyLimit())
		}
		return next(c)
	}
}

// decodeStrict reads one JSON value into v: unknown fields, wrong types,
// trailing data and oversized bodies are refused naming the field or byte.
func decodeStrict(c echo.Context, v any) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fmt.Errorf("%w: send application/json, not %q", errUnsupportedCT, ct)
		}
	}
	dec := json.NewDecoder(c.Request().Body) // limited by limitBody
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: unexpected data after the JSON object", errMalformed)
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%w: at most %d bytes", errTooLarge, tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the body is empty", errMalformed)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the body ends in the middle of a JSON value", errMalformed)
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: invalid JSON at byte %d: %v", errMalformed, syntax.Offset, syntax)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return events.FieldErrors{{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return events.FieldErrors{{Field: name, Message: "is not a known field"}}
	}
	return fmt.Errorf("%w: %v", errMalformed, err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "a " + goKind
}

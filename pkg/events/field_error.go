package events

import "strings"

// FieldError says what is wrong with one field of a request or spec.
// Field is a JSON path such as "spec.replicas" or "spec.env.MY_VAR".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// FieldErrors is a validation failure naming every offending field.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Field + ": " + e.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

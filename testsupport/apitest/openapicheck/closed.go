package openapicheck

import (
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The checker reads object schemas as closed: a member the schema does not
// declare is an error even when the schema leaves additionalProperties
// unsaid, which OpenAPI reads as "anything goes". The API's responses are
// its contract, so a field a test sees must be described; a schema that
// really is a map says so with additionalProperties (a schema, or true).
//
// kin-openapi has no such mode, and closing the schemas themselves would
// break allOf (each branch would refuse the other branches' members), so
// the check walks the body next to its schema instead.

// undeclaredIn returns an error naming the members of the JSON body that
// the schema for mediaType in content does not declare; nil when there are
// none, the body is not JSON, or content has no schema for it.
func undeclaredIn(content openapi3.Content, mediaType string, body []byte) error {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil || !strings.HasSuffix(mt, "json") || len(body) == 0 {
		return nil
	}
	media := content.Get(mt)
	if media == nil || media.Schema == nil {
		return nil
	}
	v, err := decodeJSON(body)
	if err != nil {
		return nil // the schema validation reports it
	}
	return undeclaredBy(media.Schema.Value, v)
}

// undeclaredBy returns an error naming the members of v that s does not
// declare, nil when there are none.
func undeclaredBy(s *openapi3.Schema, v any) error {
	found := map[string]bool{}
	undeclared(s, v, "", found)
	if len(found) == 0 {
		return nil
	}
	paths := make([]string, 0, len(found))
	for p := range found {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return fmt.Errorf("members the schema does not declare (its objects are closed unless additionalProperties says otherwise): %s",
		strings.Join(paths, ", "))
}

// undeclared adds to found the path of every member of v, at path at, that
// none of the schemas applying to v declares.
func undeclared(s *openapi3.Schema, v any, at string, found map[string]bool) {
	applying := applyingTo(s, v, nil)
	switch v := v.(type) {
	case map[string]any:
		for key, member := range v {
			undeclaredMember(applying, key, member, at, found)
		}
	case []any:
		for _, s := range applying {
			if s.Items == nil {
				continue
			}
			for _, item := range v {
				undeclared(s.Items.Value, item, at+"[]", found)
			}
		}
	}
}

// undeclaredMember checks one member of an object against the schemas that
// apply to the object.
func undeclaredMember(applying []*openapi3.Schema, key string, member any, at string, found map[string]bool) {
	path := key
	if at != "" {
		path = at + "." + key
	}
	declared, open := false, false
	for _, s := range applying {
		if p := s.Properties[key]; p != nil {
			declared = true
			undeclared(p.Value, member, path, found)
			continue
		}
		switch ap := s.AdditionalProperties; {
		case ap.Schema != nil:
			open = true
			undeclared(ap.Schema.Value, member, path, found)
		case ap.Has != nil && *ap.Has:
			open = true
		}
	}
	if !declared && !open && len(applying) > 0 {
		found[path] = true
	}
}

// applyingTo returns s and the schemas composed into it that apply to v:
// every allOf branch, and the oneOf and anyOf branches v matches. A schema
// that says nothing of objects or arrays (no type, members or items: "any
// value") is left out, as is everything under it.
func applyingTo(s *openapi3.Schema, v any, into []*openapi3.Schema) []*openapi3.Schema {
	if s == nil || v == nil {
		return into
	}
	if anyValue(s) {
		return into
	}
	into = append(into, s)
	for _, b := range s.AllOf {
		into = applyingTo(b.Value, v, into)
	}
	for _, branches := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		for _, b := range branches {
			if b.Value.VisitJSON(v) == nil {
				into = applyingTo(b.Value, v, into)
			}
		}
	}
	return into
}

// anyValue reports whether s constrains neither the type nor the shape of a
// value: `{}` or a schema with only a description.
func anyValue(s *openapi3.Schema) bool {
	return s.Type == nil && len(s.Properties) == 0 && s.Items == nil &&
		s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil &&
		len(s.AllOf) == 0 && len(s.OneOf) == 0 && len(s.AnyOf) == 0
}

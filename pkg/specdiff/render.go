package specdiff

import "strings"

// Render formats changes for people, one line per change and no trailing
// newline, values JSON-encoded:
//
//	~ spec.image: "ghcr.io/a:1" -> "ghcr.io/a:2"
//	+ spec.env.NEW_KEY: "x"
//	- spec.env.OLD: "y"
//
// An empty diff renders as "no changes".
func Render(changes []Change) string {
	if len(changes) == 0 {
		return "no changes"
	}
	lines := make([]string, 0, len(changes))
	for _, c := range changes {
		switch c.Op {
		case OpAdded:
			lines = append(lines, "+ "+c.Path+": "+encode(c.To))
		case OpRemoved:
			lines = append(lines, "- "+c.Path+": "+encode(c.From))
		default:
			lines = append(lines, "~ "+c.Path+": "+encode(c.From)+" -> "+encode(c.To))
		}
	}
	return strings.Join(lines, "\n")
}

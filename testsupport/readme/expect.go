package readme

import (
	"fmt"
	"regexp"
	"strings"
)

const ellipsis = "…"

var (
	// leadingStatus is an expectation's HTTP status: "400 {…}" or "409".
	leadingStatus = regexp.MustCompile(`^([1-5][0-9][0-9])(\s|$)`)
	// pair is a "key":value pair whose value is a scalar or an array of
	// scalars (not abridged: an array with an ellipsis is for the reader).
	pair = regexp.MustCompile(`"([^"\\]+)":("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null|\[[^\[\]{}…]*\])`)
)

// Check checks one expectation line against the output it is about and
// says what is missing ("" when it holds).
func Check(line, output string) string {
	var missing []string
	rest := line
	if m := leadingStatus.FindStringSubmatch(line); m != nil {
		rest = line[len(m[1]):]
		if !regexp.MustCompile(`(?m)^HTTP/[0-9.]+ ` + m[1] + `\b`).MatchString(output) {
			missing = append(missing, "HTTP status "+m[1])
		}
	}
	pairs := pair.FindAllStringSubmatch(rest, -1)
	for _, p := range pairs {
		if !pairPattern(p[1], p[2]).MatchString(output) {
			missing = append(missing, p[0])
		}
	}
	if len(pairs) == 0 && strings.TrimSpace(rest) != "" && !literal(strings.TrimSpace(rest)).MatchString(output) {
		missing = append(missing, "the line "+strings.TrimSpace(rest))
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("%q: missing %s", line, strings.Join(missing, ", "))
}

// pairPattern matches a pair as the API writes it: compact, a number not
// followed by more digits, an ellipsis in a string matching any characters
// of that string.
func pairPattern(key, value string) *regexp.Regexp {
	head := regexp.QuoteMeta(`"`+key+`":`) + `\s*`
	switch {
	case strings.HasPrefix(value, `"`):
		pieces := strings.Split(value[1:len(value)-1], ellipsis)
		for i := range pieces {
			pieces[i] = regexp.QuoteMeta(pieces[i])
		}
		return regexp.MustCompile(head + `"` + strings.Join(pieces, `(?:[^"\\]|\\.)*`) + `"`)
	case strings.HasPrefix(value, "["):
		return regexp.MustCompile(head + regexp.QuoteMeta(value))
	}
	return regexp.MustCompile(head + regexp.QuoteMeta(value) + `(?:[^0-9.eE]|$)`)
}

// literal matches a line of text with an ellipsis matching any characters
// within a line.
func literal(text string) *regexp.Regexp {
	pieces := strings.Split(text, ellipsis)
	for i := range pieces {
		pieces[i] = regexp.QuoteMeta(pieces[i])
	}
	return regexp.MustCompile(strings.Join(pieces, `[^\n]*`))
}

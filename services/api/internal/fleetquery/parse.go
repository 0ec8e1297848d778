package fleetquery

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"slipway.dev/pkg/events"
)

// MaxLen is the longest query accepted, in bytes.
const MaxLen = 1024

// Op is a comparison operator.
type Op string

// Operators.
const (
	Eq       Op = "="
	Ne       Op = "!="
	Contains Op = "~"
)

// Query is a parsed query: all of its terms must hold. The zero Query matches
// every deployment.
type Query struct {
	Terms []Term
}

// Term is one comparison, as Parse makes it: Field is canonical ("phase" for
// status, "environment" for env, "label" with Key set for label.<key>), Value
// is unquoted, canonical in case for phase and health with Eq and Ne, and a
// non-negative decimal integer for revision.
type Term struct {
	Field string
	Key   string
	Op    Op
	Value string
}

// SyntaxError is why a query was rejected and where.
type SyntaxError struct {
	Pos int // 0-based byte offset into the query, 0 <= Pos <= len(query)
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("position %d: %s", e.Pos, e.Msg) }

// fields maps every accepted field name to its canonical name.
var fields = map[string]string{
	"status": "phase", "phase": "phase", "health": "health",
	"env": "environment", "environment": "environment",
	"target": "target", "owner": "owner", "project": "project",
	"name": "name", "image": "image", "revision": "revision",
}

const fieldList = "status, phase, health, env, environment, target, owner, project, name, image, revision, label.<key>"

// canonical are the stored values of phase and health a query may name,
// matched case-insensitively (as the API documents them, phases without
// Terminating and Terminated).
var canonical = map[string][]string{
	"phase": {string(events.DeploymentPhasePending), string(events.DeploymentPhaseProgressing),
		string(events.DeploymentPhaseRunning), string(events.DeploymentPhaseFailed)},
	"health": events.HealthStates(),
}

// Parse parses a query (see the package documentation). Every error is a
// *SyntaxError.
func Parse(q string) (Query, error) {
	if len(q) > MaxLen {
		return Query{}, &SyntaxError{Pos: MaxLen, Msg: fmt.Sprintf("query longer than %d bytes", MaxLen)}
	}
	p := &parser{s: q}
	p.space()
	if p.i == len(q) {
		return Query{}, &SyntaxError{Pos: 0, Msg: "empty query"}
	}
	var out Query
	for {
		t, err := p.term()
		if err != nil {
			return Query{}, err
		}
		out.Terms = append(out.Terms, t)
		p.space()
		if p.i == len(q) {
			return out, nil
		}
		at := p.i
		if w := p.bare(); !strings.EqualFold(w, "and") {
			return Query{}, p.errAt(at, "expected \"and\" between terms, found %s", p.found(at))
		}
		p.space()
		if p.i == len(q) {
			return Query{}, p.errAt(at, "dangling \"and\": a term must follow it")
		}
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// found describes what is at pos, for messages.
func (p *parser) found(pos int) string {
	if pos >= len(p.s) {
		return "end of query"
	}
	if w := bareAt(p.s, pos); w != "" {
		return strconv.Quote(w)
	}
	r, _ := utf8.DecodeRuneInString(p.s[pos:])
	return strconv.QuoteRune(r)
}

func (p *parser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./:", c) >= 0
}

func bareAt(s string, i int) string {
	j := i
	for j < len(s) && isBare(s[j]) {
		j++
	}
	return s[i:j]
}

// bare consumes and returns a (possibly empty) bare word.
func (p *parser) bare() string {
	w := bareAt(p.s, p.i)
	p.i += len(w)
	return w
}

func (p *parser) term() (Term, error) {
	start := p.i
	name := p.bare()
	if name == "" {
		return Term{}, p.errAt(start, "expected a field name, found %s", p.found(start))
	}
	var t Term
	if len(name) >= len("label.") && strings.EqualFold(name[:len("label.")], "label.") {
		t.Field, t.Key = "label", name[len("label."):]
		if t.Key == "" {
			return Term{}, p.errAt(p.i, "missing label key after \"label.\"")
		}
	} else if f, ok := fields[strings.ToLower(name)]; ok {
		t.Field = f
	} else {
		return Term{}, p.errAt(start, "unknown field %q (fields: %s)", name, fieldList)
	}
	p.space()
	opPos := p.i
	switch {
	case strings.HasPrefix(p.s[p.i:], "!="):
		t.Op, p.i = Ne, p.i+2
	case strings.HasPrefix(p.s[p.i:], "="):
		t.Op, p.i = Eq, p.i+1
	case strings.HasPrefix(p.s[p.i:], "~"):
		t.Op, p.i = Contains, p.i+1
	default:
		return Term{}, p.errAt(opPos, "expected an operator (=, != or ~) after %q, found %s", name, p.found(opPos))
	}
	if t.Op == Contains && (t.Field == "revision" || t.Field == "label") {
		return Term{}, p.errAt(opPos, "%s takes only = and !=", name)
	}
	p.space()
	valPos := p.i
	v, err := p.value()
	if err != nil {
		return Term{}, err
	}
	t.Value = v
	return t, p.check(&t, valPos)
}

// value consumes a bare or quoted value.
func (p *parser) value() (string, error) {
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '"' {
		var sb strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			switch c := p.s[p.i]; c {
			case '"':
				p.i++
				return sb.String(), nil
			case '\\':
				if p.i+1 < len(p.s) && (p.s[p.i+1] == '"' || p.s[p.i+1] == '\\') {
					p.i++
					sb.WriteByte(p.s[p.i])
					continue
				}
				return "", p.errAt(p.i, `invalid escape: only \" and \\ are escapes in a quoted value`)
			default:
				sb.WriteByte(c)
			}
		}
		return "", p.errAt(start, "unterminated quoted value")
	}
	if v := p.bare(); v != "" {
		return v, nil
	}
	if p.i == len(p.s) {
		return "", p.errAt(p.i, "expected a value, found end of query")
	}
	return "", p.errAt(p.i, "expected a value, found %s; quote values with other characters", p.found(p.i))
}

// check validates and canonicalizes a term's value; pos is where the value starts.
func (p *parser) check(t *Term, pos int) error {
	switch {
	case t.Field == "revision":
		n, err := strconv.ParseUint(t.Value, 10, 31)
		if err != nil {
			return p.errAt(pos, "revision must be a non-negative integer, found %q", t.Value)
		}
		t.Value = strconv.FormatUint(n, 10)
	case canonical[t.Field] != nil && t.Op != Contains:
		for _, c := range canonical[t.Field] {
			if strings.EqualFold(c, t.Value) {
				t.Value = c
				return nil
			}
		}
		msg := fmt.Sprintf("unknown %s %q (one of %s)", t.Field, t.Value, strings.Join(canonical[t.Field], ", "))
		for _, h := range canonical["health"] {
			if t.Field == "phase" && strings.EqualFold(h, t.Value) {
				msg += fmt.Sprintf("; %s is a health: health=%s", h, strings.ToLower(h))
			}
		}
		return p.errAt(pos, "%s", msg)
	}
	return nil
}

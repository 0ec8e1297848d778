package fleetquery

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func pair(k, v string) bson.A { return bson.A{bson.D{{Key: "k", Value: k}, {Key: "v", Value: v}}} }

func TestParseFilter(t *testing.T) {
	tests := []struct {
		q    string
		want bson.M
	}{
		{"status=running", bson.M{"phase": "Running"}},
		{"PHASE = failed", bson.M{"phase": "Failed"}},
		{"status!=Pending", bson.M{"phase": bson.M{"$ne": "Pending"}}},
		{"health=degraded and env=production", bson.M{"$and": bson.A{
			bson.M{"health": "Degraded"}, bson.M{"environment": "production"}}}},
		{"health=UNKNOWN AND environment!=dev And target=eu-1", bson.M{"$and": bson.A{
			bson.M{"health": "Unknown"}, bson.M{"environment": bson.M{"$ne": "dev"}}, bson.M{"target": "eu-1"}}}},
		{"status~prog", bson.M{"phase": bson.M{"$regex": "prog", "$options": "i"}}},
		{"owner=alice and project=fraud and name=scorer-v2", bson.M{"$and": bson.A{
			bson.M{"owner": "alice"}, bson.M{"project": "fraud"}, bson.M{"name": "scorer-v2"}}}},
		{"image~ghcr.io/acme/fraud:1.2", bson.M{"image": bson.M{"$regex": `ghcr\.io/acme/fraud:1\.2`, "$options": "i"}}},
		{`name~"a+b (x)"`, bson.M{"name": bson.M{"$regex": `a\+b \(x\)`, "$options": "i"}}},
		{`name="say \"hi\" \\o/"`, bson.M{"name": `say "hi" \o/`}},
		{`name=""`, bson.M{"name": ""}},
		{"revision=12", bson.M{"revision": 12}},
		{"revision != 007", bson.M{"revision": bson.M{"$ne": 7}}},
		{"label.team=risk", bson.M{"labels": bson.M{"$all": pair("team", "risk")}}},
		{"label.app.kubernetes.io/part-of=fraud", bson.M{"labels": bson.M{"$all": pair("app.kubernetes.io/part-of", "fraud")}}},
		{`Label.Team!="Risk Ops"`, bson.M{"labels": bson.M{"$not": bson.M{"$all": pair("Team", "Risk Ops")}}}},
		{" \tstatus=running\n", bson.M{"phase": "Running"}},
		{`name="x"and owner=y`, bson.M{"$and": bson.A{bson.M{"name": "x"}, bson.M{"owner": "y"}}}},
		{"name=and", bson.M{"name": "and"}},
	}
	for _, tc := range tests {
		q, err := Parse(tc.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.q, err)
			continue
		}
		if got := q.Filter(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q).Filter()\n got %#v\nwant %#v", tc.q, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		q   string
		pos int
		msg string // a substring of the message
	}{
		{"", 0, "empty query"},
		{"   ", 0, "empty query"},
		{"status=degraded and env=production", 7, `unknown phase "degraded" (one of Pending, Progressing, Running, Failed); Degraded is a health: health=degraded`},
		{"health=sick", 7, "one of Healthy, Progressing, Degraded, Unavailable, Unknown"},
		{"colour=red", 0, `unknown field "colour"`},
		{"name=a and colour=red", 11, `unknown field "colour"`},
		{"=x", 0, "expected a field name"},
		{"status", 6, "expected an operator (=, != or ~) after \"status\", found end of query"},
		{"status running", 7, `found "running"`},
		{"status>1", 6, `found '>'`},
		{"name!x", 4, "expected an operator"},
		{"name=", 5, "expected a value, found end of query"},
		{"name= ", 6, "expected a value"},
		{"name=(x)", 5, `found '('; quote values`},
		{"name=é", 5, `found 'é'`},
		{`name="abc`, 5, "unterminated quoted value"},
		{`name="abc\"`, 5, "unterminated quoted value"},
		{`name="a\nb"`, 7, "invalid escape"},
		{"name=a and", 7, `dangling "and"`},
		{"name=a AND  ", 7, `dangling "and"`},
		{"name=a owner=b", 7, `expected "and" between terms, found "owner"`},
		{"name=a or owner=b", 7, `found "or"`},
		{"name=a)", 6, `found ')'`},
		{"revision~3", 8, "revision takes only = and !="},
		{"revision=three", 9, `revision must be a non-negative integer, found "three"`},
		{"revision=-1", 9, "non-negative integer"},
		{"revision=99999999999", 9, "non-negative integer"},
		{"label.=x", 6, "missing label key"},
		{"label.team~r", 10, "label.team takes only = and !="},
		{strings.Repeat("a", MaxLen+1), MaxLen, "longer than 1024 bytes"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.q)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", tc.q, err)
			continue
		}
		if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %q, want position %d and %q", tc.q, err, tc.pos, tc.msg)
		}
	}
	if got := (&SyntaxError{Pos: 3, Msg: "x"}).Error(); got != "position 3: x" {
		t.Errorf("Error() = %q", got)
	}
}

func TestMaxLenAccepted(t *testing.T) {
	q := "name=" + strings.Repeat("a", MaxLen-len("name="))
	if _, err := Parse(q); err != nil {
		t.Fatalf("query of exactly %d bytes: %v", MaxLen, err)
	}
}

func TestZeroQueryMatchesAll(t *testing.T) {
	if got := (Query{}).Filter(); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"status=degraded and env=production", `name="a \"b\" \\" AND label.app.kubernetes.io/part-of!=x`,
		"revision=3", "revision~3", "label.=x", `name="`, "and", "a=b and", "image~x.y", "\xff=\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got, err := Parse(q)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %T %v, want *SyntaxError", q, err, err)
			}
			if se.Pos < 0 || se.Pos > len(q) {
				t.Fatalf("Parse(%q): position %d outside [0, %d]", q, se.Pos, len(q))
			}
			return
		}
		if len(got.Terms) == 0 {
			t.Fatalf("Parse(%q): no terms and no error", q)
		}
		_ = got.Filter()
	})
}

package fleetquery

import (
	"regexp"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Filter is the query as a MongoDB filter over readmodel.Deployment
// documents: one term's filter alone, several under "$and", the zero Query
// {} (everything). It expects terms as Parse makes them.
//
// Fields map to phase, health, environment, target, owner, project, name,
// image and revision (an int). "!=" is "$ne"; "~" is
// {"$regex": QuoteMeta(value), "$options": "i"}. Labels are stored as
// labels: [{k, v}, ...]; label.team=risk is
// {"labels": {"$all": [{"k": "team", "v": "risk"}]}} (an element equal to
// the pair, k before v as stored) and "!=" wraps it in "$not". Not
// $elemMatch: FerretDB v1 rejects $elemMatch on fields ("unknown operator: k").
func (q Query) Filter() bson.M {
	switch len(q.Terms) {
	case 0:
		return bson.M{}
	case 1:
		return q.Terms[0].filter()
	}
	all := make(bson.A, 0, len(q.Terms))
	for _, t := range q.Terms {
		all = append(all, t.filter())
	}
	return bson.M{"$and": all}
}

func (t Term) filter() bson.M {
	if t.Field == "label" {
		has := bson.M{"$all": bson.A{bson.D{{Key: "k", Value: t.Key}, {Key: "v", Value: t.Value}}}}
		if t.Op == Ne {
			return bson.M{"labels": bson.M{"$not": has}}
		}
		return bson.M{"labels": has}
	}
	var v any = t.Value
	if t.Field == "revision" {
		if n, err := strconv.Atoi(t.Value); err == nil {
			v = n
		}
	}
	switch t.Op {
	case Ne:
		return bson.M{t.Field: bson.M{"$ne": v}}
	case Contains:
		return bson.M{t.Field: bson.M{"$regex": regexp.QuoteMeta(t.Value), "$options": "i"}}
	default:
		return bson.M{t.Field: v}
	}
}

// Document is what Match reads of a deployment: the fields Filter names
// (revision in decimal) and its labels.
type Document interface {
	Field(name string) string
	Label(key string) (value string, ok bool)
}

// Match reports whether d satisfies every term, with the meaning Filter has
// in the store: "=" and "!=" compare exactly (revision as a number), "~" is a
// case-insensitive substring of a text field, a missing label is not equal.
func (q Query) Match(d Document) bool {
	for _, t := range q.Terms {
		if !t.match(d) {
			return false
		}
	}
	return true
}

func (t Term) match(d Document) bool {
	if t.Field == "label" {
		v, ok := d.Label(t.Key)
		has := ok && v == t.Value
		if t.Op == Ne {
			return !has
		}
		return has
	}
	v := d.Field(t.Field)
	equal := v == t.Value
	if t.Field == "revision" {
		n, err1 := strconv.Atoi(t.Value)
		m, err2 := strconv.Atoi(v)
		equal = err1 == nil && err2 == nil && n == m
	}
	switch t.Op {
	case Ne:
		return !equal
	case Contains:
		// A regular expression never matches a number in the store.
		return t.Field != "revision" && strings.Contains(strings.ToLower(v), strings.ToLower(t.Value))
	default:
		return equal
	}
}

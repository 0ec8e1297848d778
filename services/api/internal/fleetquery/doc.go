// Package fleetquery parses the query language of GET /v1/deployments?q=...
// and turns a query into a MongoDB filter over the read model
// ([slipway.dev/services/api/internal/readmodel.Deployment]).
//
// Grammar (EBNF; whitespace may separate any two tokens):
//
//	query  = term { "and" term } ;
//	term   = field op value ;
//	field  = "status" | "phase" | "health" | "env" | "environment" | "target"
//	       | "owner" | "project" | "name" | "image" | "revision"
//	       | "label." labelkey ;
//	labelkey = bare ;
//	op     = "=" | "!=" | "~" ;
//	value  = bare | quoted ;
//	bare   = 1*( letter | digit | "-" | "_" | "." | "/" | ":" ) ;
//	quoted = '"' { char | '\"' | '\\' } '"' ;
//
// letter and digit are ASCII; anything else (spaces, "=", non-ASCII) needs a
// quoted value, where \" is a quote and \\ a backslash; any other backslash
// is an error. Field names and the keyword "and" are case-insensitive
// ("AND"); label keys and values are not. A query is at most 1024 bytes.
//
// Example: health=degraded and env=production and label.app.kubernetes.io/part-of=fraud
//
// Meaning, per term; terms joined by "and" must all hold:
//   - "=" is equality, "!=" its negation (a document without the field, or
//     without the label, matches "!="), "~" is "contains", case-insensitive,
//     the value taken literally (not a regular expression).
//   - status is an alias of phase: the rollout phase, one of Pending,
//     Progressing, Running, Failed. It is not health: ask for degraded
//     deployments with health=degraded (Healthy, Progressing, Degraded,
//     Unavailable, Unknown). With "=" and "!=", phase and health values are
//     case-insensitive and must be one of those; other fields compare exactly.
//   - env is an alias of environment.
//   - revision is the latest revision number: a non-negative integer, "=" and
//     "!=" only.
//   - label.<key> compares the label's value; keys may contain dots and
//     slashes (label.app.kubernetes.io/part-of=fraud). Labels take "=" and
//     "!=" only: FerretDB v1, the store of dev and tests, cannot match inside
//     array elements ($elemMatch with fields), which "~" would need.
package fleetquery

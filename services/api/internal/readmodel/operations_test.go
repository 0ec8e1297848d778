package readmodel_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/services/api/internal/readmodel"
)

// TestOperationQueries runs audit-log pages against the embedded store:
// each field narrows, scope and cursor included, newest first.
func TestOperationQueries(t *testing.T) {
	store, err := readmodel.Open(t.Context(), embeddedtest.FerretDB(t), "operations")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(t.Context()) })
	at := func(min int) time.Time { return time.Date(2026, 11, 24, 10, min, 0, 0, time.UTC) }
	ops := []readmodel.Operation{
		{ID: "op-1", Kind: "create", Deployment: "acme/fraud/a", Owner: "acme", Project: "fraud", Status: readmodel.OpSucceeded, Actor: "user:ann", AcceptedAt: at(1)},
		{ID: "op-2", Kind: "update", Deployment: "acme/fraud/a", Owner: "acme", Project: "fraud", Status: readmodel.OpFailed, Actor: "user:bob", AcceptedAt: at(2)},
		{ID: "op-3", Kind: "update", Deployment: "acme/search/b", Owner: "acme", Project: "search", Status: readmodel.OpSucceeded, Actor: "user:ann", AcceptedAt: at(3)},
		{ID: "op-4", Kind: "create", Deployment: "globex/x/c", Owner: "globex", Project: "x", Status: readmodel.OpRejected, Actor: "user:bob", AcceptedAt: at(3)},
	}
	for _, o := range ops {
		if err := store.PutOperation(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	from, to := at(2), at(3)
	tests := map[string]struct {
		q    readmodel.OperationQuery
		want []string
	}{
		"all, newest first, ties by id": {readmodel.OperationQuery{}, []string{"op-4", "op-3", "op-2", "op-1"}},
		"actor":                         {readmodel.OperationQuery{Actor: "user:ann"}, []string{"op-3", "op-1"}},
		"kind and status":               {readmodel.OperationQuery{Kind: "update", Status: readmodel.OpFailed}, []string{"op-2"}},
		"project":                       {readmodel.OperationQuery{Owner: "acme", Project: "fraud"}, []string{"op-2", "op-1"}},
		"deployment":                    {readmodel.OperationQuery{Deployment: "acme/search/b"}, []string{"op-3"}},
		"from inclusive, to exclusive":  {readmodel.OperationQuery{From: &from, To: &to}, []string{"op-2"}},
		"scope":                         {readmodel.OperationQuery{Scoped: true, Scope: []string{"acme/*"}}, []string{"op-3", "op-2", "op-1"}},
		"empty scope":                   {readmodel.OperationQuery{Scoped: true}, nil},
		"after a tie":                   {readmodel.OperationQuery{AfterID: "op-4", AfterAccepted: at(3)}, []string{"op-3", "op-2", "op-1"}},
		"limit":                         {readmodel.OperationQuery{Limit: 2}, []string{"op-4", "op-3"}},
	}
	for name, tt := range tests {
		got, err := store.Operations(t.Context(), tt.q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var ids []string
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s: %v, want %v", name, ids, tt.want)
		}
	}
}

func TestScopeFilter(t *testing.T) {
	tests := map[string]struct {
		patterns []string
		all      bool
		want     bson.M
	}{
		"everything":  {nil, true, nil},
		"owner-wide":  {[]string{"acme/*"}, false, bson.M{"$or": bson.A{bson.M{"owner": "acme"}}}},
		"one project": {[]string{"acme/fraud"}, false, bson.M{"$or": bson.A{bson.M{"owner": "acme", "project": "fraud"}}}},
		"nothing":     {nil, false, bson.M{"owner": bson.M{"$in": bson.A{}}}},
	}
	for name, tt := range tests {
		// DeepEqual, not the printed form: bson.M prints in map order.
		if got := readmodel.ScopeFilter(tt.patterns, tt.all); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", name, got, tt.want)
		}
	}
}

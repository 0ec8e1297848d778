package httpapi

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"slipway.dev/services/api/internal/readmodel"
)

// TestBodiesKeepTheirJSON: the API's bodies of read-model documents, every
// field set and none, encode as testdata/bodies has them (what the API
// answered when documents were themselves the bodies). A document's field
// the API does not map, or a body's field renamed, shows here.
func TestBodiesKeepTheirJSON(t *testing.T) {
	for name, v := range map[string]any{
		"deployment":       deploymentOf(filled[readmodel.Deployment]()),
		"deployment-empty": deploymentOf(readmodel.Deployment{}),
		"summary":          summaryOf(filled[readmodel.DeploymentSummary]()),
		"summary-empty":    summaryOf(readmodel.DeploymentSummary{}),
		"operation":        operationOf(filled[readmodel.Operation]()),
		"operation-empty":  operationOf(readmodel.Operation{}),
		"revision":         revisionOf(filled[readmodel.Revision]()),
		"revision-empty":   revisionOf(readmodel.Revision{}),
		"promotion":        promotionOf(filled[readmodel.Promotion]()),
		"promotion-empty":  promotionOf(readmodel.Promotion{Plan: json.RawMessage("null")}),
		"fleet-item":       fleetItem{deployment: deploymentOf(filled[readmodel.Deployment]()), TargetReachability: "reachable"},
		"summary-item":     summaryItem{summary: summaryOf(filled[readmodel.DeploymentSummary]()), TargetReachability: "reachable"},
		"promotion-view":   promotionView{promotion: promotionOf(filled[readmodel.Promotion]()), Status: "planned", Reason: "r", Diff: "d"},
	} {
		got, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := os.ReadFile("testdata/bodies/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if string(got)+"\n" != string(want) {
			t.Errorf("%s encodes as\n%s\nwant\n%s", name, got, want)
		}
	}
}

// filled returns a T with every field set, nested ones too: strings name
// their field, numbers are 1 to 3, pointers, slices and maps hold one
// element. What a body maps from a document then shows in its JSON.
func filled[T any]() T {
	var v T
	fill(reflect.ValueOf(&v).Elem(), "v")
	return v
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func fill(v reflect.Value, name string) {
	switch {
	case v.Type() == rawMessageType:
		v.SetBytes([]byte(`{"diff":[]}`))
		return
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(1 + len(name)%3))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(1 + len(name)%3))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), name)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), name+"[0]")
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, name+".key")
		fill(e, name+"{}")
		v.SetMapIndex(k, e)
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				fill(v.Field(i), name+"."+f.Name)
			}
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf(fmt.Sprint(name)))
	}
}

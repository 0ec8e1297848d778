package readme

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	out := "HTTP/1.1 400 Bad Request\nEtag: \"12\"\n" +
		`{"id":"op-3f","status":"succeeded","revision":12,"missing":["FEATURE_X"],"url":"http://x/acme/p/predict"}` + "\n~ spec.image: \"a\" -> \"b\"\n"
	tests := []struct {
		name, line string
		holds      bool
	}{
		{"status", `400 {"status":"succeeded",…}`, true},
		{"wrong status", `409 {…}`, false},
		{"string pair", `{"status":"succeeded",…}`, true},
		{"wrong string", `{"status":"failed",…}`, false},
		{"ellipsis as prefix", `{"id":"op-…"}`, true},
		{"ellipsis as suffix", `"url":"…/acme/p/predict"`, true},
		{"ellipsis does not cross a string", `"id":"op-…predict"`, false},
		{"number", `"revision":12`, true},
		{"number is not a prefix", `"revision":1`, false},
		{"array", `"missing":["FEATURE_X"]`, true},
		{"wrong array", `"missing":[]`, false},
		{"abridged array is not checked", `"status":"succeeded","items":[…]`, true},
		{"literal", `~ spec.image: "a" -> "b"`, true},
		{"literal with ellipsis", `Etag: "…"`, true},
		{"missing literal", `- spec.env.X: "1"`, false},
		{"abridged text is a literal too", `{"id":…}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(tt.line, out) == ""; got != tt.holds {
				t.Fatalf("Check(%q) holds=%v, want %v: %s", tt.line, got, tt.holds, Check(tt.line, out))
			}
		})
	}
}

func TestParseAndCut(t *testing.T) {
	doc := strings.Join([]string{
		"text",
		"```sh",
		"echo one",
		"# -> one",
		"#    two",
		"# prose",
		"echo three",
		"# -> three",
		"```",
		"<!-- readme-test: skip needs a real cluster -->",
		"  ```sh",
		"  kubectl get pods",
		"  ```",
		"```",
		"not sh",
		"```",
	}, "\n")
	blocks, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].Skip != "" || blocks[1].Skip != "needs a real cluster" || blocks[1].Script != "kubectl get pods\n" {
		t.Fatalf("blocks: %+v", blocks)
	}
	g := blocks[0].Groups
	if len(g) != 2 || g[0].Line != 4 || len(g[0].Lines) != 2 || g[0].Lines[1] != "two" || g[1].Lines[0] != "three" {
		t.Fatalf("groups: %+v", g)
	}
	script := blocks[0].Instrumented()
	if strings.Count(script, "\n") != strings.Count(blocks[0].Script, "\n")+1 || !strings.HasPrefix(script, "set -euo pipefail\n") {
		t.Fatalf("instrumented script moved lines:\n%s", script)
	}
	parts := Outputs("one\ntwo\n"+groupMark+" 0\nthree\n"+groupMark+" 1\n", 2)
	if parts[0] != "one\ntwo" || parts[1] != "three" {
		t.Fatalf("outputs: %q", parts)
	}
	if parts := Outputs("one\n"+groupMark+" 0\nstopped", 2); parts[1] != "" {
		t.Fatalf("a group the block never reached has no output: %q", parts)
	}
	if _, err := Parse("```sh\necho"); err == nil {
		t.Fatal("an unclosed fence is an error")
	}
}

package events

import (
	"strings"
	"testing"
)

func TestLooksSecret(t *testing.T) {
	for _, c := range []struct {
		name string
		want bool
	}{
		{"HF_TOKEN", true}, {"DB_PASSWORD", true}, {"OPENAI_API_KEY", true}, {"SECRET", true}, {"aws_secret_access_key", true},
		{"GITHUB_PAT_TOKEN", true}, {"SENTRY_DSN", true}, {"ENABLE_AUTH", false}, {"PWD", false}, {"TLS_PRIVATE_KEY", true}, {"S3_CREDENTIALS", true},
		{"LOG_LEVEL", false}, {"MODEL_PATH", false}, {"AWS_ACCESS_KEY_ID", false}, {"DB_PASSWORD_FILE", false},
		{"KEYBOARD", false}, {"TOKENIZER", false}, {"MAX_TOKENS", false}, {"CACHE_KEY_ID", false}, {"BYPASS", false},
	} {
		if got := LooksSecret(c.name); got != c.want {
			t.Errorf("LooksSecret(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSpecRefusesSecretLookingEnv(t *testing.T) {
	err := Spec{Image: "ghcr.io/acme/x:1", Env: map[string]string{"HF_TOKEN": "hf_abc", "LOG_LEVEL": "info"}}.Validate()
	fe, ok := err.(FieldErrors)
	if !ok || len(fe) != 1 || fe[0].Field != "spec.env.HF_TOKEN" {
		t.Fatalf("Validate() = %v, want one error on spec.env.HF_TOKEN", err)
	}
	if want := "spec.secrets"; !contains(fe[0].Message, want) {
		t.Errorf("message %q does not point to %s", fe[0].Message, want)
	}
	if contains(fe[0].Message, "hf_abc") {
		t.Errorf("message %q repeats the value", fe[0].Message)
	}
	ok2 := Spec{Image: "ghcr.io/acme/x:1", Secrets: []SecretRef{{Env: "HF_TOKEN", Name: "hf", Key: "token"}}}.Validate()
	if ok2 != nil {
		t.Fatalf("a secret reference named HF_TOKEN was refused: %v", ok2)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

package validation

import (
	"errors"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
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
		// Missed before issue 17.
		{"GITHUB_PAT", true}, {"PRIVATE_KEY_PEM", true}, {"CONNECTION_STRING", true}, {"DATABASE_URL", true},
		{"MYSECRET", true}, {"AUTH_HEADER", true}, {"BEARER", true}, {"GOOGLE_CREDENTIALS_JSON", true},
		{"DBPASSWORD", true}, {"my.api-key", true}, {"SESSION_COOKIE", true}, {"SERVICE_JWT", true}, {"AUTHORIZATION", true},
		{"SSH_KEY_B64", true}, {"DB_CONN_STR", true}, {"KEY_PASSPHRASE", true},
		// Judged by the last word: what a variable is about is not what it holds.
		{"SECRET_SAUCE_VERSION", false}, {"TOKEN_LIMIT", false}, {"PASSWORD_MIN_LENGTH", false}, {"TOKEN_URL", false},
		{"MONKEY", false}, {"SPAT", false}, {"JWT_ISSUER", false}, {"COOKIE_DOMAIN", false}, {"SECRET_NAME", false},
		{"PEM", false}, {"DATABASE_URL_FILE", false}, {"ENABLE_BEARER_AUTH", false},
	} {
		if got := LooksSecret(c.name); got != c.want {
			t.Errorf("LooksSecret(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSpecRefusesSecretLookingEnv(t *testing.T) {
	err := Spec(events.Spec{Image: "ghcr.io/acme/x:1", Env: map[string]string{"HF_TOKEN": "hf_abc", "LOG_LEVEL": "info"}})
	fe, ok := err.(events.FieldErrors)
	if !ok || len(fe) != 1 || fe[0].Field != "spec.env.HF_TOKEN" {
		t.Fatalf("Spec() = %v, want one error on spec.env.HF_TOKEN", err)
	}
	if want := "spec.secrets"; !contains(fe[0].Message, want) {
		t.Errorf("message %q does not point to %s", fe[0].Message, want)
	}
	if contains(fe[0].Message, "hf_abc") {
		t.Errorf("message %q repeats the value", fe[0].Message)
	}
	ok2 := Spec(events.Spec{Image: "ghcr.io/acme/x:1", Secrets: []events.SecretRef{{Env: "HF_TOKEN", Name: "hf", Key: "token"}}})
	if ok2 != nil {
		t.Fatalf("a secret reference named HF_TOKEN was refused: %v", ok2)
	}
}

// Values that look like credentials are refused whatever their name, with
// the kind (never the value) and a pointer to spec.secrets.
func TestCredentialValues(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	for _, c := range []struct {
		value, kind string
	}{
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----", "a private key (PEM)"},
		{`-----BEGIN RSA PRIVATE KEY-----\nMIIE...`, "a private key (PEM)"},
		{"postgres://app:s3cret@db:5432/app", "a URL with a password (scheme://user:password@host)"},
		{"--dsn=redis://:hunter2@cache:6379/0", "a URL with a password (scheme://user:password@host)"},
		{"ghp_" + strings.Repeat("aB3", 12), "a GitHub token"},
		{"github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "a GitHub token"},
		{"xoxb-123456789012-abcdefABCDEF", "a Slack token"},
		{"sk-proj-" + strings.Repeat("Ab1", 12), "an API key (sk-…)"},
		{"AKIAIOSFODNN7EXAMPLE", "an AWS access key"},
		{"glpat-xxxxxxxxxxxxxxxxxxxx", "a GitLab token"},
		{"Bearer " + jwt, "a JWT"},
		{"hf_" + strings.Repeat("abcDEF", 6), "a Hugging Face token"},
		// Plain settings.
		{"info", ""}, {"https://huggingface.co/acme/model", ""}, {"postgres://app@db:5432/app", ""},
		{"postgres://app:$(DB_PASSWORD)@db:5432/app", ""}, {"sk-learn-compat-layer-version-two", ""},
		{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", ""}, {"ghp_short", ""},
		{"eyJhbGciOi", ""}, {"AKIA", ""}, {"a.b.c", ""}, {"en_US.UTF-8", ""},
	} {
		if got := CredentialIn(c.value); got != c.kind {
			t.Errorf("CredentialIn(%q) = %q, want %q", c.value, got, c.kind)
		}
	}
}

func TestSpecRefusesCredentialValues(t *testing.T) {
	token := "ghp_" + strings.Repeat("aB3", 12)
	spec := events.Spec{Image: "img:1", Env: map[string]string{"GH": token, "URL": "https://u:pw@example.com"},
		Args: []string{"--token=" + token}, Model: &events.ModelRef{Name: "m", URI: "https://u:pw@hub.example/m"}}
	var fe events.FieldErrors
	if !errors.As(Spec(spec), &fe) {
		t.Fatalf("a spec with credentials in env, args and model.uri was accepted")
	}
	got := map[string]string{}
	for _, e := range fe {
		got[e.Field] = e.Message
	}
	for _, f := range []string{"spec.env.GH", "spec.env.URL", "spec.args[0]", "spec.model.uri"} {
		msg, ok := got[f]
		if !ok {
			t.Errorf("no error on %s: %v", f, fe)
		}
		if strings.Contains(msg, "pw") || strings.Contains(msg, token) {
			t.Errorf("%s: message %q repeats the value", f, msg)
		}
	}
	if !strings.Contains(got["spec.env.GH"], "spec.secrets") || !strings.Contains(got["spec.env.GH"], "a GitHub token") {
		t.Errorf("spec.env.GH: message %q does not name the kind and point to spec.secrets", got["spec.env.GH"])
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

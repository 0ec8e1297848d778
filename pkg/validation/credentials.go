package validation

import (
	"encoding/base64"
	"net/url"
	"strings"
	"unicode"
)

// tokenPrefix is a vendor's published credential prefix; min is the
// shortest random part after it and mixed asks that part to hold upper and
// lower case letters and digits, so words such as sk-learn-… are not taken
// for keys.
type tokenPrefix struct {
	prefix, kind string
	min          int
	mixed        bool
}

var tokenPrefixes = []tokenPrefix{
	{"github_pat_", "a GitHub token", 20, false},
	{"ghp_", "a GitHub token", 30, false}, {"gho_", "a GitHub token", 30, false},
	{"ghu_", "a GitHub token", 30, false}, {"ghs_", "a GitHub token", 30, false}, {"ghr_", "a GitHub token", 30, false},
	{"glpat-", "a GitLab token", 20, false},
	{"xoxb-", "a Slack token", 10, false}, {"xoxp-", "a Slack token", 10, false}, {"xoxa-", "a Slack token", 10, false},
	{"xoxr-", "a Slack token", 10, false}, {"xoxs-", "a Slack token", 10, false}, {"xapp-", "a Slack token", 10, false},
	{"sk_live_", "a Stripe key", 16, false}, {"rk_live_", "a Stripe key", 16, false},
	{"sk-", "an API key (sk-…)", 32, true},
	{"hf_", "a Hugging Face token", 30, false},
	{"npm_", "an npm token", 30, false},
	{"pypi-", "a PyPI token", 50, false},
	{"AIza", "a Google API key", 30, false},
	{"glsa_", "a Grafana token", 30, false},
}

// CredentialIn names the kind of credential a value holds ("a GitHub
// token", "a private key (PEM)", ...), or "" when it holds none it
// recognizes: private-key PEM blocks, URLs with a password
// (scheme://user:password@host), well-known token prefixes, AWS access key
// ids and JWTs. A password written as a Kubernetes reference to another
// variable ($(DB_PASSWORD)) is not a credential: that is how a secret
// reference is composed into a URL. The kind never repeats the value.
func CredentialIn(value string) string {
	if privatePEM(value) {
		return "a private key (PEM)"
	}
	for _, f := range strings.FieldsFunc(value, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("\"'`,;<>", r) }) {
		if urlWithPassword(f) {
			return "a URL with a password (scheme://user:password@host)"
		}
	}
	for _, tok := range strings.FieldsFunc(value, func(r rune) bool { return !tokenChar(r) && r != '.' }) {
		if kind := tokenKind(strings.Trim(tok, ".")); kind != "" {
			return kind
		}
	}
	return ""
}

func privatePEM(v string) bool {
	for rest := v; ; {
		i := strings.Index(rest, "-----BEGIN ")
		if i < 0 {
			return false
		}
		rest = rest[i+len("-----BEGIN "):]
		if label, _, ok := strings.Cut(rest, "-----"); ok && strings.Contains(label, "PRIVATE KEY") {
			return true
		}
	}
}

func urlWithPassword(f string) bool {
	i := strings.Index(f, "://")
	if i <= 0 {
		return false
	}
	start := i
	for start > 0 && schemeChar(rune(f[start-1])) {
		start--
	}
	u, err := url.Parse(f[start:])
	if err != nil || u.User == nil {
		return false
	}
	pw, set := u.User.Password()
	return set && pw != "" && !variableReference(pw)
}

// variableReference reports a password that is a reference to another
// variable: $(NAME) (Kubernetes expands it) or ${NAME} (the server does).
func variableReference(s string) bool {
	return (strings.HasPrefix(s, "$(") && strings.HasSuffix(s, ")")) || (strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}"))
}

func tokenKind(tok string) string {
	if jwt(tok) {
		return "a JWT"
	}
	if awsKeyID(tok) {
		return "an AWS access key"
	}
	for _, p := range tokenPrefixes {
		rest, ok := strings.CutPrefix(tok, p.prefix)
		if ok && len(rest) >= p.min && !strings.ContainsRune(rest, '.') && (!p.mixed || mixedCase(rest)) {
			return p.kind
		}
	}
	return ""
}

// jwt: three base64url parts, the first a JSON object ("eyJ" is '{"').
func jwt(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") || len(parts[1]) < 2 || parts[2] == "" {
		return false
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	return err == nil && strings.HasPrefix(string(header), "{")
}

// awsKeyID: AKIA (long-term) or ASIA (temporary) and 16 upper-case letters or digits.
func awsKeyID(tok string) bool {
	if len(tok) != 20 || (!strings.HasPrefix(tok, "AKIA") && !strings.HasPrefix(tok, "ASIA")) {
		return false
	}
	for _, r := range tok[4:] {
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func mixedCase(s string) bool {
	var upper, lower, digit bool
	for _, r := range s {
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
		digit = digit || unicode.IsDigit(r)
	}
	return upper && lower && digit
}

func tokenChar(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')
}

func schemeChar(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '-' || r == '.')
}

// secretsPointer is the advice every credential refusal ends with.
func secretsPointer(env string) string {
	return "plain values are stored, logged and shown; put the value in a Kubernetes Secret and refer to it in spec.secrets " +
		"({\"env\": \"" + env + "\", \"name\": SECRET, \"key\": KEY})"
}

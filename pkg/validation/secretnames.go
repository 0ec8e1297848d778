package validation

import "strings"

// A variable name is judged by its last word (words are separated by '_',
// '-' or '.'), after dropping encoding words such as PEM or JSON: the last
// word says what a variable holds (DB_PASSWORD, GITHUB_PAT,
// PRIVATE_KEY_PEM), while a first word only says what it is about, so
// SECRET_SAUCE_VERSION, TOKEN_LIMIT and PASSWORD_MIN_LENGTH are plain
// settings. The lists err towards refusing: a false positive costs a
// secret reference (which works for every name) or a name whose last word
// says what it holds (SORT_FIELD rather than SORT_KEY); a false negative
// leaks a credential into every event, read model, log and webhook.
var (
	// secretWords hold credentials when they end a name.
	secretWords = wordSet("TOKEN", "PASSWORD", "PASSWD", "PASS", "PASSPHRASE", "SECRET", "KEY", "APIKEY",
		"CREDENTIAL", "CREDENTIALS", "DSN", "PAT", "BEARER", "AUTHORIZATION", "JWT", "COOKIE")
	// secretPhrases hold credentials when they end a name (a connection
	// string or database URL carries the password).
	secretPhrases = []string{"AUTH_HEADER", "CONNECTION_STRING", "CONN_STRING", "CONN_STR", "DATABASE_URL"}
	// gluedSuffixes are long enough to find at the end of a word without a
	// separator (MYSECRET, DBPASSWORD); short ones (KEY, PAT) are not
	// (MONKEY, SPAT).
	gluedSuffixes = []string{"SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "APIKEY", "TOKEN", "CREDENTIALS"}
	// encodingWords say how a value is encoded, not what it is.
	encodingWords = wordSet("PEM", "DER", "B64", "BASE64", "HEX", "JSON")
	// notSecret are names ending like a secret that are well known not to
	// be one (key ids name a key without revealing it).
	notSecret = wordSet("AWS_ACCESS_KEY_ID", "KEY_ID", "PASSWORD_FILE")
	// notSecretLast end names that point at a credential without holding it.
	notSecretLast = wordSet("ID", "FILE")
)

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// LooksSecret reports whether an environment variable name conventionally
// holds a credential (HF_TOKEN, DB_PASSWORD, OPENAI_API_KEY, GITHUB_PAT,
// DATABASE_URL, MYSECRET, ...), so its value must come from a secret
// reference, never plain env.
func LooksSecret(name string) bool {
	n := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
	words := strings.FieldsFunc(n, func(r rune) bool { return r == '_' })
	if len(words) == 0 || notSecret[n] || notSecretLast[words[len(words)-1]] {
		return false
	}
	for len(words) > 1 && encodingWords[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	last := words[len(words)-1]
	if secretWords[last] {
		return true
	}
	tail := strings.Join(words, "_")
	for _, p := range secretPhrases {
		if tail == p || strings.HasSuffix(tail, "_"+p) {
			return true
		}
	}
	for _, g := range gluedSuffixes {
		if strings.HasSuffix(last, g) {
			return true
		}
	}
	return false
}

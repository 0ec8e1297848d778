package events

import "strings"

// secretSuffixes end the names of variables that conventionally hold
// credentials. The list errs towards refusing: a false positive costs a
// secret reference, a false negative leaks a credential into every event,
// read model, log and webhook.
var secretSuffixes = []string{
	"TOKEN", "PASSWORD", "PASSWD", "PASS", "SECRET", "KEY", "APIKEY",
	"CREDENTIAL", "CREDENTIALS", "PRIVATE_KEY", "ACCESS_KEY", "DSN",
}

// notSecret are names ending like a secret that are well known not to be
// one (key ids name a key without revealing it).
var notSecret = map[string]bool{
	"AWS_ACCESS_KEY_ID": true, "KEY_ID": true, "PASSWORD_FILE": true,
}

// LooksSecret reports whether an environment variable name conventionally
// holds a credential (HF_TOKEN, DB_PASSWORD, OPENAI_API_KEY, SECRET, ...),
// so its value must come from a secret reference, never plain env.
func LooksSecret(name string) bool {
	n := strings.ToUpper(name)
	if notSecret[n] || strings.HasSuffix(n, "_FILE") || strings.HasSuffix(n, "_ID") {
		return false
	}
	for _, s := range secretSuffixes {
		if n == s || strings.HasSuffix(n, "_"+s) {
			return true
		}
	}
	return false
}

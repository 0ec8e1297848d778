package bus

import (
	"net/url"
	"strings"
)

// Redacted is a NATS server URL, or a comma-separated list of them, fit for
// logs and errors: passwords, and tokens (nats://TOKEN@host), are replaced by
// xxxxx; a URL that does not
// parse is dropped whole rather than shown with what it may hold.
func Redacted(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "<unparsable url>"
			continue
		}
		if _, hasPassword := u.User.Password(); u.User != nil && !hasPassword {
			u.User = url.User("xxxxx")
		}
		parts[i] = u.Redacted()
	}
	return strings.Join(parts, ",")
}

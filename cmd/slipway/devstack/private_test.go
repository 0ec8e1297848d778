package devstack_test

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"slipway.dev/cmd/slipway/devstack"
)

// TestOtherLocalUsersCannotReachTheStack: the embedded servers admit only
// the stack's own services. A local user who reads NATS's port (from a log,
// or by scanning loopback) cannot connect, FerretDB has no TCP port at all,
// and the data folder, made 0755 by an earlier version, is narrowed to
// 0700 (it holds the stores, the admin token and the webhook key).
func TestOtherLocalUsersCannotReachTheStack(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(data, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	var o devstack.Options
	o.DataDir = data
	s, _ := start(t, o)

	u, err := url.Parse(s.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = nil
	if nc, err := nats.Connect(u.String(), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Errorf("NATS at %s admitted a client without credentials", u)
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("NATS without credentials: %v, want an authorization violation", err)
	}

	host, _, _ := strings.Cut(strings.TrimPrefix(s.MongoURI, "mongodb://"), "/")
	socket, err := url.PathUnescape(host)
	if err != nil || !strings.HasPrefix(socket, "/") {
		t.Fatalf("FerretDB at %s: not a Unix socket (%v)", s.MongoURI, err)
	}
	for _, dir := range []string{data, filepath.Join(data, "nats"), filepath.Join(data, "ferretdb"), filepath.Dir(socket)} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o700 {
			t.Errorf("%s: mode %o, want 700", dir, got)
		}
	}
}

package embedded

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestNATSAdmitsOnlyItsOwnCredentials: knowing the port (it is in logs, and
// any local user can scan loopback) is not enough to connect.
func TestNATSAdmitsOnlyItsOwnCredentials(t *testing.T) {
	n, err := StartNATS(t.TempDir(), "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	u, err := url.Parse(n.URL())
	if err != nil {
		t.Fatal(err)
	}
	bare := *u
	bare.User = nil
	wrong := *u
	wrong.User = url.UserPassword(u.User.Username(), "guessed")
	for name, target := range map[string]string{"no credentials": bare.String(), "wrong password": wrong.String()} {
		if nc, err := nats.Connect(target, nats.NoReconnect()); err == nil {
			nc.Close()
			t.Errorf("%s: connected", name)
		} else if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s: %v, want an authorization violation", name, err)
		}
	}
	nc, err := nats.Connect(n.URL())
	if err != nil {
		t.Fatalf("with its URL: %v", err)
	}
	nc.Close()
}

// TestPrivateFerretDBHasNoTCPListener: its only door is a socket in a
// folder other users cannot enter.
func TestPrivateFerretDBHasNoTCPListener(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ferretdb")
	f, err := StartPrivateFerretDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Go's url.Parse refuses an escaped host; MongoDB's form is mongodb://<escaped path>/.
	host, _, _ := strings.Cut(strings.TrimPrefix(f.URI(), "mongodb://"), "/")
	socket, err := url.PathUnescape(host)
	if err != nil || !strings.HasPrefix(socket, "/") || !strings.HasSuffix(socket, ".sock") {
		t.Fatalf("URI %s: host %q is not a Unix socket (%v)", f.URI(), socket, err)
	}
	expectMode(t, filepath.Dir(socket), 0o700)
	expectMode(t, dir, 0o700)
	client, err := mongo.Connect(options.Client().ApplyURI(f.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	if err := client.Ping(t.Context(), nil); err != nil {
		t.Fatalf("ping over the socket: %v", err)
	}
	f.Close()
	if _, err := os.Stat(filepath.Dir(socket)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket folder left after Close: %v", err)
	}
}

// TestDataFoldersBecomePrivate: folders made by an earlier version (0755)
// are narrowed at start.
func TestDataFoldersBecomePrivate(t *testing.T) {
	root := t.TempDir()
	natsDir, ferretDir := filepath.Join(root, "nats"), filepath.Join(root, "ferretdb")
	for _, d := range []string{natsDir, ferretDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o755); err != nil { // whatever the umask
			t.Fatal(err)
		}
	}
	n, err := StartNATS(natsDir, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	f, err := StartFerretDB(ferretDir, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	expectMode(t, natsDir, 0o700)
	expectMode(t, ferretDir, 0o700)
}

func expectMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FerretDB is an embedded MongoDB-wire database on SQLite files.
type FerretDB struct {
	db        *ferretdb.FerretDB
	cancel    context.CancelFunc
	done      chan struct{}
	indexed   chan struct{} // closed when the _id indexer stopped
	socketDir string        // removed by Close; empty on TCP
}

// StartFerretDB serves the MongoDB wire protocol on addr (host:port, port 0
// picks a free one), storing SQLite files under dir (made 0700). FerretDB
// on SQLite has no authentication: anyone who can reach addr reads and
// writes everything, so this is for tests whose clients run elsewhere;
// StartPrivateFerretDB is for a machine shared with other users. It returns
// once a client can ping it.
func StartFerretDB(dir, addr string) (*FerretDB, error) {
	return startFerretDB(dir, ferretdb.ListenerConfig{TCP: addr}, "")
}

// StartPrivateFerretDB serves the MongoDB wire protocol on a Unix socket in
// a new folder of the temporary directory only the owner may enter (0700;
// a socket path must stay short, which a data folder's may not), storing
// SQLite files under dir (made 0700). No TCP listener: other local users
// cannot connect. Close removes the socket's folder.
func StartPrivateFerretDB(dir string) (*FerretDB, error) {
	socketDir, err := os.MkdirTemp("", "slipway-mongodb-")
	if err != nil {
		return nil, fmt.Errorf("ferretdb socket dir: %w", err)
	}
	f, err := startFerretDB(dir, ferretdb.ListenerConfig{Unix: filepath.Join(socketDir, "mongodb.sock")}, socketDir)
	if err != nil {
		_ = os.RemoveAll(socketDir)
		return nil, err
	}
	return f, nil
}

// sqliteSync is SQLite's synchronous setting for the store's files. In WAL
// mode (FerretDB's), NORMAL skips the sync of the log at every commit: a
// killed process loses nothing committed, a crash of the machine may lose
// the last commits, never the files' consistency. What the embedded store
// holds is rebuilt or repeated after such a loss: the read models are
// projected again from EVENTS past their checkpoint (committed with them),
// and a webhook delivery record lost is a delivery made again, with the
// same webhook-id a receiver dedupes on. Measured here: a replacement costs
// 1.6 ms instead of 2.5 ms, and the projector is the store's one writer.
const sqliteSync = "synchronous(normal)"

func startFerretDB(dir string, listener ferretdb.ListenerConfig, socketDir string) (*FerretDB, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("ferretdb dir: %w", err)
	}
	if err := PrivateDir(abs); err != nil {
		return nil, fmt.Errorf("ferretdb dir: %w", err)
	}
	// FerretDB logs every failed command at info level; only errors matter here.
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	db, err := ferretdb.New(&ferretdb.Config{
		Listener: listener, Handler: "sqlite", SQLiteURL: "file:" + abs + "/?_pragma=" + sqliteSync, Logger: logger,
	})
	if err != nil {
		return nil, fmt.Errorf("ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &FerretDB{db: db, cancel: cancel, done: make(chan struct{}), indexed: make(chan struct{}), socketDir: socketDir}
	go func() {
		defer close(f.done)
		_ = db.Run(ctx)
	}()
	if err := f.waitReady(15 * time.Second); err != nil {
		close(f.indexed)
		f.Close()
		return nil, err
	}
	go func() {
		defer close(f.indexed)
		newIDIndexer(abs).run(ctx, func(err error) {
			slog.Warn("embedded ferretdb: _id index not made yet; retried in a second", "err", err)
		})
	}()
	return f, nil
}

// URI is the MongoDB connection string of the server: its TCP address, or
// its socket's path (percent-encoded, as MongoDB drivers want it).
func (f *FerretDB) URI() string { return f.db.MongoDBURI() }

// Close stops the server and waits for it to release its files.
func (f *FerretDB) Close() {
	f.cancel()
	<-f.indexed
	<-f.done
	if f.socketDir != "" {
		_ = os.RemoveAll(f.socketDir)
	}
}

func (f *FerretDB) waitReady(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(f.URI()))
	if err != nil {
		return fmt.Errorf("ferretdb client: %w", err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	for {
		if err := client.Ping(ctx, nil); err == nil {
			return nil
		} else if ctx.Err() != nil {
			return fmt.Errorf("ferretdb not ready within %s: %w", limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

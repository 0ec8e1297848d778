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
	db     *ferretdb.FerretDB
	cancel context.CancelFunc
	done   chan struct{}
}

// StartFerretDB serves the MongoDB wire protocol on addr (host:port, port 0
// picks a free one), storing SQLite files under dir. It returns once a client
// can ping it.
func StartFerretDB(dir, addr string) (*FerretDB, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("ferretdb dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("ferretdb dir: %w", err)
	}
	// FerretDB logs every failed command at info level; only errors matter here.
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	db, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: addr}, Handler: "sqlite", SQLiteURL: "file:" + abs + "/", Logger: logger,
	})
	if err != nil {
		return nil, fmt.Errorf("ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &FerretDB{db: db, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		_ = db.Run(ctx)
	}()
	if err := f.waitReady(15 * time.Second); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// URI is the MongoDB connection string of the server.
func (f *FerretDB) URI() string { return f.db.MongoDBURI() }

// Close stops the server and waits for it to release its files.
func (f *FerretDB) Close() {
	f.cancel()
	<-f.done
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

package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses, to add the index it misses
)

// FerretDB v1.24's SQLite backend finds a document by _id with
// `WHERE _ferretdb_sjson->'$._id' = ?` (lookups, updates, upserts,
// deletes), but the unique index it creates for _id is on
// `_ferretdb_sjson->"_id"`, an expression SQLite does not take for the same
// one. So every read or write of one document parsed every document of its
// collection: about 20 writes/s at a few hundred deployments, 3/s at 5,000
// documents of 2 KB (shared/notes/mongodb-wire-store.md; docs/ARCHITECTURE.md,
// "The embedded store"). The idIndexer adds, beside FerretDB's own, an index
// on the very expression those statements use, to every collection's
// table: the same lookups then take an index search (517 upserts/s and
// 1,561 finds/s at 5,000 documents, measured here).
//
// FerretDB does not know of these indexes and needs not: it lists indexes
// from its own metadata, and dropping a collection drops its table with
// every index on it. Uniqueness stays FerretDB's index's job.

// idIndexSuffix names the index added to a table.
const idIndexSuffix = "_slipway_id"

// idIndexEvery is how often the data folder is checked for new tables. A
// check whose file's schema did not change since the last costs one
// PRAGMA read; a new collection is indexed within this long.
const idIndexEvery = time.Second

// idIndexer keeps the _id expression index on every FerretDB table of the
// SQLite files in one folder. It is used by one goroutine.
type idIndexer struct {
	dir string
	dbs map[string]*sql.DB
	// seen is each file's schema version when it was last brought up to
	// date: an unchanged schema has no new table.
	seen map[string]int64
}

func newIDIndexer(dir string) *idIndexer {
	return &idIndexer{dir: dir, dbs: map[string]*sql.DB{}, seen: map[string]int64{}}
}

// run indexes at once, then every idIndexEvery until ctx ends; failures
// (a file locked past the busy timeout) are retried at the next check and
// reported through report.
func (x *idIndexer) run(ctx context.Context, report func(error)) {
	defer x.close()
	t := time.NewTicker(idIndexEvery)
	defer t.Stop()
	for {
		if err := x.sync(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sync brings every database file of the folder up to date.
func (x *idIndexer) sync(ctx context.Context) error {
	files, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		return err
	}
	var errs []error
	for _, file := range files {
		if err := x.syncFile(ctx, file); err != nil {
			errs = append(errs, fmt.Errorf("index _id in %s: %w", filepath.Base(file), err))
		}
	}
	return errors.Join(errs...)
}

func (x *idIndexer) syncFile(ctx context.Context, file string) error {
	db, err := x.open(file)
	if err != nil {
		return err
	}
	var version int64
	if err := db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&version); err != nil {
		return err
	}
	if v, ok := x.seen[file]; ok && v == version {
		return nil
	}
	tables, err := unindexedTables(ctx, db)
	if err != nil {
		return err
	}
	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+idIndexSuffix, table)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("table %s: %w", table, err)
		}
	}
	// Read again: the indexes just made changed it.
	if err := db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&version); err != nil {
		return err
	}
	x.seen[file] = version
	return nil
}

// unindexedTables lists FerretDB's collection tables (those with its
// document column) that lack the index.
func unindexedTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT t.name FROM sqlite_master t
		WHERE t.type = 'table' AND t.sql LIKE '%_ferretdb_sjson TEXT%'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = t.name || ?)`, idIndexSuffix)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		tables = append(tables, name)
	}
	return tables, rows.Err()
}

// open returns the connection to file, opened on first use with FerretDB's
// busy timeout, so an index waits for FerretDB's writers rather than fails.
func (x *idIndexer) open(file string) (*sql.DB, error) {
	if db, ok := x.dbs[file]; ok {
		return db, nil
	}
	if _, err := os.Stat(file); err != nil {
		return nil, err
	}
	if strings.ContainsAny(file, "?#") {
		return nil, fmt.Errorf("path %q has characters a SQLite URI cannot carry", file)
	}
	uri := "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)"
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	x.dbs[file] = db
	return db, nil
}

func (x *idIndexer) close() {
	for _, db := range x.dbs {
		_ = db.Close()
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

// composeLoad writes the project `docker compose config` would use, loaded
// with the Compose specification's own loader (interpolation with the
// file's defaults, normalization, validation against the schema), as JSON.
// The environment is empty: every ${VAR:-default} takes its default, as on a
// machine where none of them is set.
func composeLoad(ctx context.Context, w io.Writer, file string) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithEnv([]string{"HOME=/home/user"}),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true))
	if err != nil {
		return fmt.Errorf("compose %s: %w", file, err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return fmt.Errorf("compose %s: %w", file, err)
	}
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("compose %s: %w", file, err)
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

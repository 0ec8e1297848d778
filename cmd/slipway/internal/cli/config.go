package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"gopkg.in/yaml.v3"
)

const defaultServer = "http://127.0.0.1:8080"

// errConfig marks a bad config (exit 2).
var errConfig = errors.New("config")

// fileConfig is the config file, config.yaml.
type fileConfig struct {
	Server string `yaml:"server,omitempty"`
	Token  string `yaml:"token,omitempty"`
}

// settings are the server and token in effect and where each came from.
type settings struct {
	Path       string `json:"configFile" yaml:"configFile"`
	Server     string `json:"server" yaml:"server"`
	ServerFrom string `json:"serverFrom" yaml:"serverFrom"`
	Token      string `json:"token,omitempty" yaml:"token,omitempty"`
	TokenFrom  string `json:"tokenFrom,omitempty" yaml:"tokenFrom,omitempty"`
}

// configPath is $XDG_CONFIG_HOME/slipway/config.yaml, or
// $HOME/.config/slipway/config.yaml.
func configPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "slipway", "config.yaml"), nil
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "slipway", "config.yaml"), nil
	}
	return "", fmt.Errorf("%w: neither XDG_CONFIG_HOME nor HOME is set, so there is no config file", errConfig)
}

func readConfig(path string) (fileConfig, error) {
	var c fileConfig
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("%w file: %v", errConfig, err)
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%w file %s: %v", errConfig, path, err)
	}
	return c, nil
}

// resolveSettings picks the server and the token, each from the first of:
// the flag, the environment variable, the config file, the default.
func resolveSettings(g globals, getenv func(string) string) (settings, error) {
	s := settings{Server: defaultServer, ServerFrom: "default"}
	var file fileConfig
	if path, err := configPath(getenv); err == nil {
		s.Path = path
		if file, err = readConfig(path); err != nil {
			return s, err
		}
	}
	pick := func(dst, from *string, flagValue, envName, fileValue string) {
		switch {
		case flagValue != "":
			*dst, *from = flagValue, "flag"
		case getenv(envName) != "":
			*dst, *from = getenv(envName), envName
		case fileValue != "":
			*dst, *from = fileValue, "config file"
		}
	}
	pick(&s.Server, &s.ServerFrom, g.server, "SLIPWAY_SERVER", file.Server)
	pick(&s.Token, &s.TokenFrom, g.token, "SLIPWAY_TOKEN", file.Token)
	server, err := normalizeServer(s.Server)
	if err != nil {
		return s, fmt.Errorf("%w: server from %s: %v", errConfig, s.ServerFrom, err)
	}
	s.Server = server
	useDevCredentials(&s, getenv)
	return s, nil
}

// DefaultDevData is `slipway dev`'s data folder by default, relative to
// where it runs: the CLI looks there when SLIPWAY_DEV_DATA is not set.
const DefaultDevData = ".slipway"

// DevCredentialsFile is where `slipway dev` leaves its API's URL and, with
// --auth, its admin token, inside its data folder.
const DevCredentialsFile = "cli.yaml"

// DevCredentials is that file's content.
type DevCredentials struct {
	Server string `yaml:"server"`
	Token  string `yaml:"token,omitempty"`
}

// useDevCredentials fills what nothing else set from the credentials of a
// `slipway dev` running from this folder (./.slipway, or SLIPWAY_DEV_DATA):
// its URL when no server was chosen, its token when the server is its.
func useDevCredentials(s *settings, getenv func(string) string) {
	dir := getenv("SLIPWAY_DEV_DATA")
	if dir == "" {
		dir = DefaultDevData
	}
	path := filepath.Join(dir, DevCredentialsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var dev DevCredentials
	if yaml.Unmarshal(data, &dev) != nil || dev.Server == "" {
		return
	}
	from := "slipway dev (" + path + ")"
	if s.ServerFrom == "default" {
		s.Server, s.ServerFrom = dev.Server, from
	}
	if s.Token == "" && dev.Token != "" && s.Server == strings.TrimRight(dev.Server, "/") {
		s.Token, s.TokenFrom = dev.Token, from
	}
}

// normalizeServer checks a server URL and trims its trailing slash.
func normalizeServer(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL like %s", raw, defaultServer)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func configCommands() []command {
	return []command{
		{path: "config set-server", args: "URL", summary: "save the API's URL in the config file", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("want the server URL")
				}
				server, err := normalizeServer(args[0])
				if err != nil {
					return usageErrorf("%v", err)
				}
				return e.saveConfig(func(c *fileConfig) { c.Server = server }, "server: "+server)
			}
		}},
		{path: "config set-token", args: "TOKEN|-", summary: "save the API token in the config file (- reads it from stdin)", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("want the token, or - to read it from stdin")
				}
				token := args[0]
				if token == "-" {
					var err error
					if token, err = readLine(e.Stdin); err != nil {
						return err
					}
				}
				if token == "" || strings.ContainsAny(token, " \t\r\n") {
					return usageErrorf("the token must be one word")
				}
				return e.saveConfig(func(c *fileConfig) { c.Token = token }, "token: "+maskToken(token))
			}
		}},
		{path: "config view", summary: "show the server and token in effect and where they come from (token masked)", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 0 {
					return usageErrorf("takes no arguments")
				}
				s, err := resolveSettings(e.g, e.Getenv)
				if err != nil {
					return err
				}
				if s.Token != "" {
					s.Token = maskToken(s.Token)
				}
				return e.printValue(s, func(w io.Writer) {
					tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
					fmt.Fprintf(tw, "config file:\t%s\n", orDash(s.Path))
					fmt.Fprintf(tw, "server:\t%s\t(%s)\n", s.Server, s.ServerFrom)
					if s.Token == "" {
						fmt.Fprintf(tw, "token:\t-\t(none)\n")
					} else {
						fmt.Fprintf(tw, "token:\t%s\t(%s)\n", s.Token, s.TokenFrom)
					}
					_ = tw.Flush()
				})
			}
		}},
	}
}

// saveConfig changes the config file and writes it with mode 0600.
func (e *env) saveConfig(change func(*fileConfig), said string) error {
	path, err := configPath(e.Getenv)
	if err != nil {
		return err
	}
	c, err := readConfig(path)
	if err != nil {
		return err
	}
	change(&c)
	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s (saved in %s)\n", said, path)
	return nil
}

// maskToken shows at most the last 4 characters of a token.
func maskToken(t string) string {
	if len(t) <= 8 {
		return "****"
	}
	return "****" + t[len(t)-4:]
}

func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", usageErrorf("no input to read the token from")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

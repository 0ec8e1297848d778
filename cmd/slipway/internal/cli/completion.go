package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

func completionCommand() command {
	return command{path: "completion", args: "bash|zsh|fish", summary: "print a shell completion script", setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return usageErrorf("want a shell: bash, zsh or fish")
			}
			var script string
			switch args[0] {
			case "bash":
				script = bashCompletion()
			case "zsh":
				script = zshCompletion()
			case "fish":
				script = fishCompletion()
			default:
				return usageErrorf("shell %q: want bash, zsh or fish", args[0])
			}
			_, err := io.WriteString(e.Stdout, script)
			return err
		}
	}}
}

// completionTree is what the scripts complete: the first words, the second
// words of each group, and the flags of each command path.
type completionTree struct {
	top    []string
	groups map[string][]string
	flags  map[string][]string
	paths  []string
}

// valueFlags are the global flags that take a value, which the scripts
// skip when they look for the command words.
const valueFlags = "-o|--output|--server|--token|--project"

func tree() completionTree {
	t := completionTree{groups: map[string][]string{}, flags: map[string][]string{}}
	for _, c := range commands() {
		group, sub, ok := strings.Cut(c.path, " ")
		if !contains(t.top, group) {
			t.top = append(t.top, group)
		}
		if ok {
			t.groups[group] = append(t.groups[group], sub)
		}
		t.paths = append(t.paths, c.path)
		t.flags[c.path] = flagNames(c)
	}
	t.top = append(t.top, "help")
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func bashCompletion() string {
	t := tree()
	var b strings.Builder
	b.WriteString(`# bash completion for slipway. Load it with: source <(slipway completion bash)
_slipway() {
  local cur prev cmd="" sub="" i w words=""
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return;;
  esac
  for ((i=1; i<COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in
      ` + valueFlags + `) ((i++)); continue;;
      -*) continue;;
    esac
    if [[ -z "$cmd" ]]; then cmd="$w"; elif [[ -z "$sub" ]]; then sub="$w"; break; fi
  done
  case "$cmd" in
    "") words="` + strings.Join(t.top, " ") + `";;
`)
	for _, g := range t.top {
		switch subs, ok := t.groups[g]; {
		case ok:
			fmt.Fprintf(&b, "    %s)\n      case \"$sub\" in\n        \"\") words=%q;;\n", g, strings.Join(subs, " "))
			for _, s := range subs {
				fmt.Fprintf(&b, "        %s) words=%q;;\n", s, strings.Join(t.flags[g+" "+s], " "))
			}
			b.WriteString("      esac;;\n")
		case g == "completion":
			b.WriteString("    completion) words=\"bash zsh fish\";;\n")
		case g == "help":
			fmt.Fprintf(&b, "    help) words=%q;;\n", strings.Join(t.top[:len(t.top)-1], " "))
		default:
			fmt.Fprintf(&b, "    %s) words=%q;;\n", g, strings.Join(t.flags[g], " "))
		}
	}
	b.WriteString(`  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _slipway slipway
`)
	return b.String()
}

func zshCompletion() string {
	t := tree()
	var b strings.Builder
	b.WriteString(`#compdef slipway
# zsh completion for slipway. Load it with: source <(slipway completion zsh)
# or save it as _slipway in a directory of $fpath.
_slipway() {
  local cmd="" sub="" i w
  local -a words_
  case "${words[CURRENT-1]}" in
    -o|--output) compadd table json yaml; return;;
  esac
  for ((i=2; i<CURRENT; i++)); do
    w="${words[i]}"
    case "$w" in
      ` + valueFlags + `) ((i++)); continue;;
      -*) continue;;
    esac
    if [[ -z "$cmd" ]]; then cmd="$w"; elif [[ -z "$sub" ]]; then sub="$w"; break; fi
  done
  case "$cmd" in
    "") words_=(` + strings.Join(t.top, " ") + `);;
`)
	for _, g := range t.top {
		switch subs, ok := t.groups[g]; {
		case ok:
			fmt.Fprintf(&b, "    %s)\n      case \"$sub\" in\n        \"\") words_=(%s);;\n", g, strings.Join(subs, " "))
			for _, s := range subs {
				fmt.Fprintf(&b, "        %s) words_=(%s);;\n", s, strings.Join(t.flags[g+" "+s], " "))
			}
			b.WriteString("      esac;;\n")
		case g == "completion":
			b.WriteString("    completion) words_=(bash zsh fish);;\n")
		case g == "help":
			fmt.Fprintf(&b, "    help) words_=(%s);;\n", strings.Join(t.top[:len(t.top)-1], " "))
		default:
			fmt.Fprintf(&b, "    %s) words_=(%s);;\n", g, strings.Join(t.flags[g], " "))
		}
	}
	b.WriteString(`  esac
  compadd -- "${words_[@]}"
}
if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _slipway "$@"
else
  compdef _slipway slipway
fi
`)
	return b.String()
}

func fishCompletion() string {
	t := tree()
	var b strings.Builder
	b.WriteString("# fish completion for slipway. Load it with: slipway completion fish | source\n")
	b.WriteString("complete -c slipway -f\n")
	b.WriteString("complete -c slipway -s o -l output -x -a 'table json yaml' -d 'output format'\n")
	b.WriteString("complete -c slipway -l server -x -d 'the Slipway API URL'\n")
	b.WriteString("complete -c slipway -l token -x -d 'the bearer token'\n")
	b.WriteString("complete -c slipway -l project -x -d 'the project of bare names'\n")
	summaries := map[string]string{}
	for _, c := range commands() {
		summaries[c.path] = c.summary
	}
	for _, g := range t.top {
		desc := summaries[g]
		if g == "help" {
			desc = "show the commands, or a command's flags"
		}
		if subs, ok := t.groups[g]; ok {
			desc = strings.Join(subs, ", ")
		}
		fmt.Fprintf(&b, "complete -c slipway -n __fish_use_subcommand -a %s -d %s\n", g, fishQuote(desc))
	}
	for _, g := range t.top {
		subs, ok := t.groups[g]
		if !ok {
			if g == "completion" {
				b.WriteString("complete -c slipway -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n")
			}
			writeFishFlags(&b, "__fish_seen_subcommand_from "+g, t.flags[g])
			continue
		}
		fmt.Fprintf(&b, "complete -c slipway -n '__fish_seen_subcommand_from %s; and not __fish_seen_subcommand_from %s' -a '%s'\n",
			g, strings.Join(subs, " "), strings.Join(subs, " "))
		for _, s := range subs {
			writeFishFlags(&b, "__fish_seen_subcommand_from "+g+"; and __fish_seen_subcommand_from "+s, t.flags[g+" "+s])
		}
	}
	return b.String()
}

// writeFishFlags completes a command's own flags (the global ones are
// completed everywhere).
func writeFishFlags(b *strings.Builder, condition string, flags []string) {
	for _, f := range flags {
		name := strings.TrimLeft(f, "-")
		switch name {
		case "o", "output", "server", "token", "project":
			continue
		}
		opt := "-l"
		if len(name) == 1 {
			opt = "-s"
		}
		fmt.Fprintf(b, "complete -c slipway -n '%s' %s %s\n", condition, opt, name)
	}
}

func fishQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

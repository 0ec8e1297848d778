package readme

import (
	"fmt"
	"regexp"
	"strings"
)

// Block is one `sh` block of the README.
type Block struct {
	Line   int    // the line of its opening fence, 1-based
	Script string // its text
	Skip   string // why it is not run ("": it is run)
	Groups []Group
}

// Group is a run of expectation lines, checked against the output printed
// since the previous group.
type Group struct {
	Line  int      // the line of its first expectation, 1-based
	Lines []string // the expectations, without "# ->" or "#"
}

// skipMarker precedes a block that is not run; the rest of the line is why.
var skipMarker = regexp.MustCompile(`^\s*<!--\s*readme-test:\s*skip\s+(.*?)\s*-->\s*$`)

// Parse returns the `sh` blocks of a markdown document, in order. A fence
// may be indented (inside a list item).
func Parse(doc string) ([]Block, error) {
	lines := strings.Split(doc, "\n")
	var out []Block
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(fence, "```") {
			continue
		}
		end := closing(lines, i+1)
		if end < 0 {
			return nil, fmt.Errorf("README.md:%d: a fence that is never closed", i+1)
		}
		if strings.TrimPrefix(fence, "```") == "sh" {
			b := Block{Line: i + 1, Script: dedent(lines[i+1:end], indentOf(lines[i]))}
			if i > 0 {
				if m := skipMarker.FindStringSubmatch(lines[i-1]); m != nil {
					b.Skip = m[1]
				}
			}
			b.Groups = groups(lines[i+1:end], i+2)
			out = append(out, b)
		}
		i = end
	}
	return out, nil
}

func closing(lines []string, from int) int {
	for j := from; j < len(lines); j++ {
		if strings.TrimSpace(lines[j]) == "```" {
			return j
		}
	}
	return -1
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

func dedent(lines []string, n int) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l[min(n, indentOf(l)):]
	}
	return strings.Join(out, "\n") + "\n"
}

// groups finds the expectation groups of a block whose first line is
// document line first.
func groups(lines []string, first int) []Group {
	var out []Group
	in := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "# ->"):
			if !in {
				out = append(out, Group{Line: first + i})
				in = true
			}
			out[len(out)-1].Lines = append(out[len(out)-1].Lines, strings.TrimSpace(strings.TrimPrefix(t, "# ->")))
		case in && strings.HasPrefix(t, "#  "):
			out[len(out)-1].Lines = append(out[len(out)-1].Lines, strings.TrimSpace(strings.TrimPrefix(t, "#")))
		default:
			in = false
		}
	}
	return out
}

// groupMark is printed before each group's position, so a block's output
// can be cut into the parts each group is checked against.
const groupMark = "@@readme-test-group"

// Instrumented is the block's script with a mark printed where each group
// begins. Lines are kept where they are, so bash's line numbers in errors
// stay those of the block.
func (b Block) Instrumented() string {
	lines := strings.Split(b.Script, "\n")
	g := 0
	for i, l := range lines {
		if g < len(b.Groups) && b.Line+1+i == b.Groups[g].Line {
			lines[i] = fmt.Sprintf("printf '\\n%s %d\\n' %s", groupMark, g, strings.TrimLeft(l, " "))
			g++
		}
	}
	return "set -euo pipefail\n" + strings.Join(lines, "\n")
}

// Outputs cuts a block's stdout into the part each of its n groups is
// checked against: what was printed between the previous mark (marks come
// in order: the block is one sequential script) and its own. A group whose
// mark is missing (the block stopped before it) gets "".
func Outputs(stdout string, n int) []string {
	out := make([]string, n)
	parts := strings.Split(stdout, "\n"+groupMark+" ")
	for k := 0; k < len(parts)-1 && k < n; k++ {
		p := parts[k]
		if k > 0 {
			_, p, _ = strings.Cut(p, "\n") // the previous mark's number
		}
		out[k] = p
	}
	return out
}

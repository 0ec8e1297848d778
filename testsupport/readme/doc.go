// Package readme runs README.md's shell blocks, in order, against a fresh
// `slipway dev` built from this tree, so the document cannot drift from the
// product (TestReadme).
//
// The convention, for whoever edits the README:
//
//   - Every fenced block whose info string is `sh` is run, in document order,
//     by `bash` with `set -euo pipefail` in front, against one `slipway dev
//     --cluster simulated` started by the test on a free loopback port with
//     a temporary --data folder. Any command that exits non-zero fails the
//     test, so commands that should succeed use `curl -fsS` (curl -s alone
//     exits 0 on a 4xx).
//   - The environment has B (the API's base URL) and SLIPWAY_SERVER set to
//     that server, `slipway` (built from this tree) on PATH, and a temporary
//     XDG_CONFIG_HOME. Blocks therefore say `B=${B:-http://127.0.0.1:8080}`,
//     which stays right for a reader who copies them.
//   - A block that cannot run here (it needs a real cluster, OIDC, or starts
//     a server of its own) is preceded by the line
//     `<!-- readme-test: skip REASON -->`; the test logs each skipped block
//     with its reason. Nothing else is skipped.
//   - Answers shown as comments are checked. An expectation is a line
//     `# -> TEXT`, followed by any continuation lines `#  TEXT` (a `#` and
//     at least two spaces); consecutive expectation lines form one group,
//     checked against everything the block printed to stdout since the
//     previous group (or the block's start). Each line of a group is checked
//     on its own:
//     1. a leading HTTP status (`# -> 400 …`) must be the status of a
//     response in that output (show it with `curl -i`);
//     2. every `"key":value` pair in it, whose value is a string, a number,
//     true, false, null or an array of those, must appear verbatim in the
//     output (compact JSON, as the API writes it); an ellipsis `…` inside
//     a string value matches any characters of that string;
//     3. a line with neither is a literal: it must appear in the output,
//     where `…` matches any characters within a line.
//     Text that is not a pair on a line with pairs (an abridged `{`, a `…`)
//     is for the reader. Put prose in ordinary comments (`# text`, one
//     space), which are not checked.
package readme

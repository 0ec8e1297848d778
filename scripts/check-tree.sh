#!/usr/bin/env bash
# Checks of the tree's shape, run by scripts/test.sh; cheap once Go's caches
# are warm (no test runs). Each can be run alone:
#   scripts/check-tree.sh [modules] [services] [imports] [map]   (none: all)
#
#   modules   every go.work module builds and vets on its own (GOWORK=off,
#             its siblings through its replace directives), and its go.mod is
#             tidy: it lists what its packages and tests use, nothing more.
#   services  no service binary (services/*/cmd/*) links test or dev tooling:
#             the simulated cluster, the local plane, the embedded servers,
#             testsupport, or a slipway.dev package named *test.
#   imports   goimports (pinned in tools/lint) finds nothing to change with
#             -local slipway.dev, and each import block has one group per
#             kind in the order std / third party / slipway.dev.
#   map       docs/ARCHITECTURE.md's package table has one row per package
#             of the workspace, and none for a package that is gone.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0

check_modules() {
	echo "== each go.work module on its own (GOWORK=off: go mod tidy -diff, build, vet)"
	local dir
	for dir in $(go list -m -f '{{.Dir}}'); do
		echo "   ${dir#"$PWD"/}"
		if ! (cd "$dir" && GOWORK=off go mod tidy -diff && GOWORK=off go build ./... && GOWORK=off go vet ./...); then
			echo "module ${dir#"$PWD"/} does not build on its own, or its go.mod is not tidy:" \
				"require the sibling modules it imports (go mod edit -require=slipway.dev/X@v0.0.0" \
				"-replace=slipway.dev/X=../relative/path), then run GOWORK=off go mod tidy there"
			fail=1
		fi
	done
}

check_services() {
	echo "== service binaries link no test or dev tooling"
	local cmd bad
	for cmd in services/*/cmd/*/; do
		bad=$(go list -deps "./$cmd" | grep -E '/simcluster|/localplane|^slipway\.dev/pkg/embedded|^slipway\.dev/testsupport|^slipway\.dev/.*test$' || true)
		if [ -n "$bad" ]; then
			echo "${cmd%/} links test or dev tooling (keep it to cmd/slipway and tests):"
			echo "$bad" | sed 's/^/   /'
			fail=1
		fi
	done
}

check_imports() {
	echo "== goimports -local slipway.dev"
	local root=$PWD out
	out=$(cd tools/lint && GOWORK=off go tool goimports -l -local slipway.dev \
		"$root/cmd" "$root/pkg" "$root/services" "$root/testsupport")
	if [ -n "$out" ]; then
		echo "imports not grouped std / third party / slipway.dev (goimports -w -local slipway.dev FILE):"
		echo "$out" | sed "s#^$root/#   #"
		fail=1
	fi
	# goimports sorts within the groups it finds but never merges two groups of
	# one kind nor moves a group: one group per kind, in that order.
	out=$(find cmd pkg services testsupport -name '*.go' -print0 | xargs -0 awk '
		FNR == 1 { inblock = 0 }
		/^import \($/ { inblock = 1; last = 0; blank = 1; bad = 0; next }
		inblock && /^\)$/ { inblock = 0; if (bad) print FILENAME; next }
		inblock && /^[ \t]*$/ { blank = 1; next }
		inblock && /"/ {
			match($0, /"[^"]+"/); path = substr($0, RSTART + 1, RLENGTH - 2)
			kind = path ~ /^slipway\.dev/ ? 3 : (path ~ /^[^\/]*\./ ? 2 : 1)
			if (kind < last || (kind == last && blank) || (kind != last && !blank)) bad = 1
			last = kind; blank = 0
		}')
	if [ -n "$out" ]; then
		echo "imports not in one group per kind, std / third party / slipway.dev, separated by a blank line:"
		echo "$out" | sed 's/^/   /'
		fail=1
	fi
}

check_map() {
	echo "== docs/ARCHITECTURE.md lists every package"
	local listed tree missing gone
	listed=$(awk '/^## /{s = ($0 ~ /^## Modules and packages/)} s && /^\| `/ {split($0, c, "`"); print c[2]}' \
		docs/ARCHITECTURE.md | sort -u)
	tree=$(go list -f '{{.ImportPath}}' slipway.dev/... | sed 's#^slipway\.dev/##' | sort -u)
	missing=$(comm -13 <(echo "$listed") <(echo "$tree"))
	gone=$(comm -23 <(echo "$listed") <(echo "$tree"))
	if [ -n "$missing" ]; then
		echo "docs/ARCHITECTURE.md, \"Modules and packages\": add a row for each package (| \`path\` | what it provides |):"
		echo "$missing" | sed 's/^/   /'
		fail=1
	fi
	if [ -n "$gone" ]; then
		echo "docs/ARCHITECTURE.md, \"Modules and packages\": these rows name no package of the tree; remove or rename them:"
		echo "$gone" | sed 's/^/   /'
		fail=1
	fi
}

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(modules services imports map)
for c in "${checks[@]}"; do
	case $c in
	modules | services | imports | map) "check_$c" ;;
	*) echo "unknown check $c (modules, services, imports, map)" >&2; exit 2 ;;
	esac
done
exit $fail

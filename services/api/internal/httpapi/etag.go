package httpapi

import (
	"strconv"
	"strings"

	"slipway.dev/services/api/internal/readmodel"
)

// deploymentETag is "<version>.<seq>": the deployment's version (the last
// event that changed what clients control, events.MovesVersion) and its
// history's last sequence. The whole is a strong validator of the document,
// so If-None-Match answers 304 only while nothing changed; If-Match
// compares the version part alone, so an ETag stays good for an update
// while the deployment merely rolls out or changes health.
func deploymentETag(d readmodel.Deployment) string {
	return `"` + strconv.FormatUint(d.Version, 10) + "." + strconv.FormatUint(d.Seq, 10) + `"`
}

// etagVersion is the version an If-Match value conditions on: an ETag of
// GET ("<version>.<seq>", weak or strong), or the version alone ("42").
func etagVersion(raw string) (uint64, bool) {
	tag := strings.Trim(strings.TrimPrefix(strings.TrimSpace(raw), "W/"), `"`)
	version, _, _ := strings.Cut(tag, ".")
	n, err := strconv.ParseUint(version, 10, 64)
	return n, err == nil && n > 0
}

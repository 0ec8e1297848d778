package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/kubernetes"
)

// ProbeTimeout bounds one reachability check.
const ProbeTimeout = 5 * time.Second

// Probe asks the target's API server for its version (discovery /version)
// within ProbeTimeout. The error is safe to publish: it names the server and
// the cause, never credentials.
func Probe(ctx context.Context, client kubernetes.Interface) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	var info *version.Info
	var err error
	if rc := client.Discovery().RESTClient(); rc != nil {
		var raw []byte
		raw, err = rc.Get().AbsPath("/version").Do(ctx).Raw()
		if err == nil {
			info = &version.Info{}
			err = json.Unmarshal(raw, info)
		}
	} else {
		// Fake and simulated clients have no REST client: ask discovery,
		// which they answer in memory.
		done := make(chan struct{})
		go func() { defer close(done); info, err = client.Discovery().ServerVersion() }()
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		return "", fmt.Errorf("%s", SafeError(err))
	}
	return info.GitVersion, nil
}

var userinfo = regexp.MustCompile(`(://)[^/@\s]+@`)

// SafeError is err's message with any credentials in URLs removed, cut to a
// length that suits a status field.
func SafeError(err error) string {
	msg := userinfo.ReplaceAllString(err.Error(), "$1")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

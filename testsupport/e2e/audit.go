package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// auditPolicy is the audit policy of the tier's plane: the metadata of
// every request of Slipway's ServiceAccounts (namespace slipway), nothing
// else. ResponseStarted is kept: it is the only stage a watch still open
// at the end of a test has logged.
var auditPolicy = []byte(`apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts:` + SlipwayNamespace + `"]
  - level: None
`)

// AuditEvent is what the tier reads of one audit event.
type AuditEvent struct {
	AuditID string `json:"auditID"`
	Stage   string `json:"stage"`
	Verb    string `json:"verb"`
	URI     string `json:"requestURI"`
	User    struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		APIGroup    string `json:"apiGroup"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	Received    time.Time         `json:"requestReceivedTimestamp"`
	Annotations map[string]string `json:"annotations"`
}

// Decision is the authorizer's verdict on the request ("allow" or "forbid").
func (e AuditEvent) Decision() string { return e.Annotations["authorization.k8s.io/decision"] }

// ReadAudit reads the plane's audit log, one event per request (its last
// stage logged), in the order they were received.
func ReadAudit(path string) ([]AuditEvent, error) {
	if path == "" {
		return nil, fmt.Errorf("e2e: the plane runs without an audit log")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("e2e: %w", err)
	}
	defer f.Close()
	var events []AuditEvent
	index := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e AuditEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("e2e: audit log %s: %w", path, err)
		}
		if i, ok := index[e.AuditID]; ok {
			events[i] = e // a later stage of the same request
			continue
		}
		index[e.AuditID] = len(events)
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("e2e: audit log %s: %w", path, err)
	}
	return events, nil
}

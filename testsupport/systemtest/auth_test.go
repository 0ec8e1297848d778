package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/pkg/events"
	api "slipway.dev/services/api"
	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/apitest/openapicheck"
	"slipway.dev/testsupport/devstacktest"
	"slipway.dev/testsupport/oidctest"
)

// lockedBuffer collects the stack's JSON log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// TestAccessControlEndToEnd drives a stack with API tokens and an OIDC
// issuer through the roles, then searches everything the run produced
// (every stream and bucket message, every read-model document, every log
// line, every webhook body) for the secret values it handled.
func TestAccessControlEndToEnd(t *testing.T) {
	t.Parallel()
	const audience = "slipway-cli"
	iss := oidctest.New(t)
	adminToken := api.GenerateToken()
	var logs lockedBuffer
	c := devstacktest.Cluster(t)
	secretValue := "hf_sentinelSecretValue0123456789"
	if _, err := c.Client().CoreV1().Secrets("default").Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "scorer-secrets", Namespace: "default"},
		StringData: map[string]string{"hf-token": secretValue}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	o := devstackOptions()
	o.Cluster, o.ClusterMode = c, devstack.ClusterSimulated
	o.AllowPrivateWebhookTargets = true
	o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("bindings:\n  - subjects: [user:ada@acme.example]\n"+
		"    grants: [{project: acme/fraud, role: deployer}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o.Auth = &api.AuthConfig{AdminToken: adminToken, RatePerSecond: 100, RateBurst: 100, PolicyFile: policy}
	o.Auth.OIDC.IssuerURL, o.Auth.OIDC.Audience = iss.URL, audience
	s, _ := start(t, o)
	anon := apitest.New(s.URL).ValidateWith(openapicheck.New(s.URL).WithToken(adminToken).Check)
	admin := anon.As(adminToken)
	secrets := map[string]string{"admin token": adminToken, "secret value": secretValue}

	// Only health, readiness and metrics answer without credentials.
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := anon.Do(t, http.MethodGet, path, nil); r.Status != http.StatusOK {
			t.Fatalf("GET %s without credentials: %d", path, r.Status)
		}
	}
	r := anon.Do(t, http.MethodGet, "/v1/deployments", nil)
	r.ExpectProblem(t, http.StatusUnauthorized)
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("401 without WWW-Authenticate: %v", r.Header)
	}

	hook := newWebhookReceiver(t, func(int) int { return http.StatusOK })
	wr := admin.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"*"}})
	if wr.Status != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", wr.Status, wr.Body)
	}
	var wh struct{ ID, Secret string }
	wr.Decode(t, &wh)
	secrets["webhook secret"] = wh.Secret

	// A deployment takes its secret by reference; a secret-looking plain env
	// var is refused with a pointer to references, and its value goes nowhere.
	body := createBody("scorer", 1)
	spec := body["spec"].(map[string]any)
	spec["env"] = map[string]string{"MODEL_NAME": "fraud-v1"}
	spec["secrets"] = []map[string]string{{"env": "HF_TOKEN", "name": "scorer-secrets", "key": "hf-token", "version": "3"}}
	if r := admin.Do(t, http.MethodPost, deploymentsPath+"?wait=60s", body); r.Status != http.StatusOK || r.JSON(t)["status"] != "succeeded" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	refused := "plainSentinelValue-9f8e7d6c"
	secrets["refused plain value"] = refused
	bad := createBody("leaky", 1)
	bad["spec"].(map[string]any)["env"] = map[string]string{"DB_PASSWORD": refused}
	p := admin.Do(t, http.MethodPost, deploymentsPath, bad).ExpectProblem(t, http.StatusBadRequest)
	if len(p.Errors) != 1 || p.Errors[0].Field != "spec.env.DB_PASSWORD" || !strings.Contains(p.Errors[0].Message, "spec.secrets") {
		t.Fatalf("secret-looking env var: %+v", p)
	}
	checkSecretRef(t, c.Client(), secretValue)

	// The admin makes a deployer token for acme/fraud: its value is shown once.
	tr := admin.Do(t, http.MethodPost, "/v1/tokens", map[string]any{"name": "ci-deployer",
		"grants": []map[string]string{{"project": "acme/fraud", "role": "deployer"}}})
	if tr.Status != http.StatusCreated || tr.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create token: %d %v %s", tr.Status, tr.Header, tr.Body)
	}
	var tok struct{ ID, Token string }
	tr.Decode(t, &tok)
	secrets["deployer token"] = tok.Token
	for _, path := range []string{"/v1/tokens", "/v1/tokens/" + tok.ID} {
		r := admin.Do(t, http.MethodGet, path, nil)
		if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(tok.ID)) ||
			bytes.Contains(r.Body, []byte(tok.Token)) || bytes.Contains(r.Body, []byte(`"hash"`)) {
			t.Fatalf("GET %s must show the token without its value or hash: %d %s", path, r.Status, r.Body)
		}
	}
	deployer := anon.As(tok.Token)
	actor := "token:ci-deployer(" + tok.ID + ")"
	if who := deployer.Do(t, http.MethodGet, "/v1/whoami", nil).JSON(t); who["actor"] != actor {
		t.Fatalf("whoami: %v", who)
	}

	// The deployer updates; the actor is on the operation and the events.
	patch := `{"spec":{"replicas":2}}`
	up := deployer.Do(t, http.MethodPatch, deploymentsPath+"/scorer?wait=60s", patch, "Content-Type", "application/merge-patch+json")
	if up.Status != http.StatusOK || up.JSON(t)["actor"] != actor {
		t.Fatalf("deployer update: %d %s", up.Status, up.Body)
	}
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	if !slicesAny(history(t, s.NATSURL, ref), func(e events.Envelope) bool { return e.Actor == actor }) {
		t.Fatal("no event of the deployment carries the deployer as its actor")
	}

	// Terminating needs admin: 403, and the denial is in the audit log.
	deployer.Do(t, http.MethodDelete, deploymentsPath+"/scorer", nil).ExpectProblem(t, http.StatusForbidden)
	deployer.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"*"}}).ExpectProblem(t, http.StatusForbidden)
	eventually(t, 30*time.Second, "the denial in the audit log", func() bool {
		var page struct {
			Items []struct{ Kind, Actor, Status, Deployment string }
		}
		admin.Do(t, http.MethodGet, "/v1/audit?kind=access_denied", nil).Decode(t, &page)
		for _, it := range page.Items {
			if it.Actor == actor && it.Status == "denied" && it.Deployment == "acme/fraud/scorer" {
				return true
			}
		}
		return false
	})

	// Another project is invisible to the deployer and to unbound users.
	other := createBody("elsewhere", 1)
	if r := admin.Do(t, http.MethodPost, "/v1/projects/acme/ads/deployments?wait=60s", other); r.Status != http.StatusOK {
		t.Fatalf("create in acme/ads: %d %s", r.Status, r.Body)
	}
	var fleet struct{ Items []struct{ ID string } }
	deployer.Do(t, http.MethodGet, "/v1/deployments", nil).Decode(t, &fleet)
	if len(fleet.Items) != 1 || fleet.Items[0].ID != "acme/fraud/scorer" {
		t.Fatalf("deployer's fleet: %+v", fleet.Items)
	}
	deployer.Do(t, http.MethodGet, "/v1/projects/acme/ads/deployments/elsewhere", nil).ExpectProblem(t, http.StatusForbidden)

	// OIDC: ada is a deployer by the policy; a stranger sees nothing; bad
	// tokens are refused.
	ada := iss.Token(oidctest.Claims{Subject: "u-1", Email: "ada@acme.example", Audience: audience})
	stranger := iss.Token(oidctest.Claims{Subject: "u-2", Email: "eve@elsewhere.example", Audience: audience})
	secrets["ada's ID token"] = ada
	if r := anon.As(ada).Do(t, http.MethodPatch, deploymentsPath+"/scorer?wait=60s", `{"spec":{"replicas":1}}`,
		"Content-Type", "application/merge-patch+json"); r.Status != http.StatusOK || r.JSON(t)["actor"] != "user:ada@acme.example" {
		t.Fatalf("OIDC deployer update: %d %s", r.Status, r.Body)
	}
	anon.As(stranger).Do(t, http.MethodGet, "/v1/deployments", nil).Decode(t, &fleet)
	if len(fleet.Items) != 0 {
		t.Fatalf("a user with no grants sees %+v", fleet.Items)
	}
	for name, bad := range map[string]string{
		"expired":        iss.Token(oidctest.Claims{Email: "ada@acme.example", Audience: audience, Expiry: time.Now().Add(-time.Minute)}),
		"forged":         iss.Forged(oidctest.Claims{Email: "ada@acme.example", Audience: audience}),
		"wrong issuer":   iss.Token(oidctest.Claims{Email: "ada@acme.example", Audience: audience, Issuer: "https://evil.example"}),
		"wrong audience": iss.Token(oidctest.Claims{Email: "ada@acme.example", Audience: "someone-else"}),
		"garbage":        "not.a.token",
	} {
		if r := anon.As(bad).Do(t, http.MethodGet, "/v1/deployments", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("%s token: %d %s", name, r.Status, r.Body)
		}
	}

	// Revocation is effective on the next request.
	if r := admin.Do(t, http.MethodDelete, "/v1/tokens/"+tok.ID, nil); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	deployer.Do(t, http.MethodGet, "/v1/whoami", nil).ExpectProblem(t, http.StatusUnauthorized)

	// The webhook's creation is in the audit log as the admin's; its event
	// reached the webhook, whose bodies the search below reads.
	adminActor, _ := admin.Do(t, http.MethodGet, "/v1/whoami", nil).JSON(t)["actor"].(string)
	eventually(t, 30*time.Second, "the webhook's creation in the audit log", func() bool {
		var page struct {
			Items []struct{ Actor, Message string }
		}
		admin.Do(t, http.MethodGet, "/v1/audit?kind=create_webhook", nil).Decode(t, &page)
		return slicesAny(page.Items, func(it struct{ Actor, Message string }) bool {
			return it.Actor == adminActor && strings.Contains(it.Message, wh.ID)
		})
	})
	eventually(t, 30*time.Second, "the creation's event delivered to the webhook", func() bool {
		for _, r := range hook.requests() {
			if bytes.Contains(r.body, []byte(events.WebhookCreated{}.Type())) {
				return true
			}
		}
		return false
	})
	eventually(t, 30*time.Second, "webhook deliveries", func() bool { return len(hook.requests()) >= 3 })
	searchForSecrets(t, s, secrets, &logs, hook)
}

func slicesAny[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

// checkSecretRef: the Kubernetes Deployment takes HF_TOKEN from the Secret
// by reference; Slipway never copied the value into the object.
func checkSecretRef(t *testing.T, k kubernetes.Interface, value string) {
	t.Helper()
	list, err := k.AppsV1().Deployments("default").List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range list.Items {
		raw, _ := json.Marshal(d)
		if bytes.Contains(raw, []byte(value)) {
			t.Fatalf("Deployment %s holds the secret value", d.Name)
		}
		for _, ctr := range d.Spec.Template.Spec.Containers {
			for _, e := range ctr.Env {
				if e.Name == "HF_TOKEN" && e.Value == "" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil &&
					e.ValueFrom.SecretKeyRef.Name == "scorer-secrets" && e.ValueFrom.SecretKeyRef.Key == "hf-token" {
					found = true
				}
			}
		}
	}
	if !found {
		t.Fatalf("no Deployment takes HF_TOKEN from secret scorer-secrets/hf-token (%d deployments)", len(list.Items))
	}
}

// searchForSecrets fails t if any secret value appears in a message of any
// stream or bucket (the webhooks bucket included: signing secrets are sealed
// there), a document of any collection, a log line or a webhook body.
func searchForSecrets(t *testing.T, s *devstack.Stack, secrets map[string]string, logs *lockedBuffer, hook *webhookReceiver) {
	t.Helper()
	var places []string
	find := func(where string, data []byte) {
		for name, v := range secrets {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("the %s appears in %s: %.300s", name, where, data)
			}
		}
		places = append(places, where)
	}
	messages := scanStreams(t, s.NATSURL, find)
	documents := scanMongo(t, s.MongoURI, find)
	if err := s.Close(); err != nil { // the last log lines and deliveries
		t.Fatal(err)
	}
	find("the logs", logs.Bytes())
	for i, r := range hook.requests() {
		find(fmt.Sprintf("webhook body %d", i+1), append(r.body, []byte(headerText(nats.Header(r.header)))...))
	}
	t.Logf("searched %d log bytes, %d webhook bodies, %d stream messages, %d documents for %d secret values",
		len(logs.Bytes()), len(hook.requests()), messages, documents, len(secrets))
	if messages == 0 || documents == 0 || len(logs.Bytes()) == 0 {
		t.Fatal("the search found nothing to search")
	}
}

func scanStreams(t *testing.T, natsURL string, find func(string, []byte)) int {
	t.Helper()
	js := jetStream(t, natsURL)
	n := 0
	names := js.StreamNames(t.Context())
	for name := range names.Name() {
		st, err := js.Stream(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			msg, err := st.GetMsg(t.Context(), seq)
			if err != nil {
				continue // deleted or purged
			}
			find(name+" "+msg.Subject, append(msg.Data, []byte(headerText(msg.Header))...))
			n++
		}
	}
	if err := names.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func headerText(h nats.Header) string {
	b, _ := json.Marshal(h)
	return string(b)
}

func scanMongo(t *testing.T, uri string, find func(string, []byte)) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	dbs, err := client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dbName := range dbs {
		db := client.Database(dbName)
		colls, err := db.ListCollectionNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for _, coll := range colls {
			cur, err := db.Collection(coll).Find(ctx, bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			for cur.Next(ctx) {
				doc, err := bson.MarshalExtJSON(cur.Current, false, false)
				if err != nil {
					t.Fatal(err)
				}
				find(dbName+"."+coll, doc)
				n++
			}
			if err := cur.Err(); err != nil {
				t.Fatal(err)
			}
			_ = cur.Close(ctx)
		}
	}
	return n
}

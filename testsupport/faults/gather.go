package faults

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// readEvents reads every event EVENTS holds, in order, and its bounds.
func readEvents(ctx context.Context, conn *bus.Conn) (first, last uint64, out []Event, err error) {
	s, err := conn.Stream(ctx, events.StreamEvents)
	if err != nil {
		return 0, 0, nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("events info: %w", err)
	}
	first, last = info.State.FirstSeq, info.State.LastSeq
	for seq := first; seq <= last && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // a hole: the contiguity invariant reports it
		}
		if err != nil {
			return 0, 0, nil, fmt.Errorf("event %d: %w", seq, err)
		}
		env, err := events.Unmarshal(m.Data)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("event %d: %w", seq, err)
		}
		msg, _ := env.Decode() // an unknown type decodes to nil
		out = append(out, Event{Seq: m.Sequence, Envelope: env, Message: msg})
	}
	return first, last, out, nil
}

// readModelCollections are the projector's documents (checkpoints aside).
var readModelCollections = []string{"deployments", "operations", "revisions", "promotions"}

// dumpReadModels reads the read-model documents of database db.
func dumpReadModels(ctx context.Context, uri, db string) (Documents, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	out := Documents{}
	for _, coll := range readModelCollections {
		cur, err := client.Database(db).Collection(coll).Find(ctx, bson.M{})
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", db, coll, err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", db, coll, err)
		}
		out[coll] = map[string]map[string]any{}
		for _, d := range docs {
			out[coll][fmt.Sprint(d["_id"])] = d
		}
	}
	return out, nil
}

// checkpoint is the projector's position in database db (0: none yet).
func checkpoint(ctx context.Context, uri, db string) (uint64, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return 0, err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	var c struct {
		Seq int64 `bson:"seq"`
	}
	err = client.Database(db).Collection("checkpoints").FindOne(ctx, bson.M{"_id": "events"}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return uint64(c.Seq), err
}

// clusterObjects reads, for each deployment subject, its main Deployment
// and its aliases' Services from the cluster.
func clusterObjects(ctx context.Context, cl kubernetes.Interface, namespace string, subjects []string) (map[string]Object, error) {
	out := map[string]Object{}
	for _, subject := range subjects {
		parts := strings.Split(subject, "/")
		if len(parts) != 3 {
			continue
		}
		owner, project, name := parts[0], parts[1], parts[2]
		var obj Object
		d, err := cl.AppsV1().Deployments(namespace).Get(ctx, kube.ObjectName(owner, project, name), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("deployment of %s: %w", subject, err)
		default:
			obj.Exists = true
			obj.AppliedRevision, _ = strconv.Atoi(d.Annotations[kube.AnnotationRevision])
			if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 {
				obj.Image = cs[0].Image
			}
			if d.Spec.Replicas != nil {
				obj.Replicas = *d.Spec.Replicas
			}
		}
		svcs, err := cl.CoreV1().Services(namespace).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelOwner + "=" + owner + "," +
			kube.LabelProject + "=" + project + "," + kube.LabelPinnedOf + "=" + name + "," + kube.LabelAlias})
		if err != nil {
			return nil, fmt.Errorf("alias services of %s: %w", subject, err)
		}
		for _, s := range svcs.Items {
			obj.AliasServices = append(obj.AliasServices, s.Labels[kube.LabelAlias])
		}
		out[subject] = obj
	}
	return out, nil
}

// deliveryStates describes the stored webhook delivery of each event a
// webhook violation names: whether it was recorded, and how it stands.
func deliveryStates(ctx context.Context, uri string, o Observed, vs []Violation) []string {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return []string{err.Error()}
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	coll := client.Database("slipway").Collection("webhook_deliveries")
	var out []string
	for _, v := range vs {
		id, ok := strings.CutPrefix(v.Detail, "event ")
		if v.Invariant != InvWebhooks || !ok {
			continue
		}
		id, _, _ = strings.Cut(id, " ")
		var dl struct {
			State         string     `bson:"state"`
			Attempts      int        `bson:"attempts"`
			LastStatus    int        `bson:"lastStatus"`
			LastError     string     `bson:"lastError"`
			CreatedAt     time.Time  `bson:"createdAt"`
			NextAttemptAt *time.Time `bson:"nextAttemptAt"`
		}
		err := coll.FindOne(ctx, bson.M{"eventId": id}).Decode(&dl)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			out = append(out, id+": never recorded")
		case err != nil:
			out = append(out, fmt.Sprintf("%s: %v", id, err))
		default:
			out = append(out, fmt.Sprintf("%s: %s after %d attempts (last status %d, error %q), recorded %s, next attempt %v", id, dl.State,
				dl.Attempts, dl.LastStatus, dl.LastError, dl.CreatedAt.Format("15:04:05.000"), dl.NextAttemptAt))
		}
	}
	return out
}

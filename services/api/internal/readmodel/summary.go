package readmodel

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"slipway.dev/pkg/events"
)

// DeploymentSummary is a deployment as fleet lists show it: who it is, what
// it runs and how it is doing, without its spec, rollout, drift or aliases
// (a whole document is about 200 KB with a large spec; a summary under 1 KB).
// GET of one deployment, or a list with view=full, shows the whole document.
type DeploymentSummary struct {
	ID              string          `bson:"_id"`
	Owner           string          `bson:"owner"`
	Project         string          `bson:"project"`
	Name            string          `bson:"name"`
	Target          string          `bson:"target"`
	Environment     string          `bson:"environment"`
	Labels          []Label         `bson:"labels"`
	LabelMap        Labels          `bson:"-"`
	Revision        int             `bson:"revision"`
	RunningRevision int             `bson:"runningRevision"`
	Phase           DeploymentPhase `bson:"phase"`
	Health          string          `bson:"health"`
	Image           string          `bson:"image"`
	Replicas        events.Replicas `bson:"replicas"`
	Endpoints       []EndpointURL   `bson:"endpoints"`
	CreatedAt       time.Time       `bson:"createdAt"`
	UpdatedAt       time.Time       `bson:"updatedAt"`
	// Terminated and Seq are for filtering and the FleetIndex, not shown.
	Terminated bool   `bson:"terminated"`
	Seq        uint64 `bson:"seq"`
}

// summaryProjection is the projection that reads a DeploymentSummary: the store
// sends only these fields of each document.
var summaryProjection = bson.M{
	"_id": 1, "owner": 1, "project": 1, "name": 1, "target": 1, "environment": 1, "labels": 1,
	"revision": 1, "runningRevision": 1, "phase": 1, "health": 1, "image": 1, "replicas": 1,
	"endpoints": 1, "createdAt": 1, "updatedAt": 1, "terminated": 1, "seq": 1,
}

// present fills the decoded labels.
func (s *DeploymentSummary) present() {
	s.LabelMap = make(Labels, len(s.Labels))
	for _, l := range s.Labels {
		s.LabelMap[l.Key] = l.Value
	}
	if s.Endpoints == nil {
		s.Endpoints = []EndpointURL{}
	}
}

// DeploymentSummaries returns a page of the fleet as summaries.
func (s *Store) DeploymentSummaries(ctx context.Context, q FleetQuery) ([]DeploymentSummary, error) {
	cur, err := s.db.Collection(collDeployments).Find(ctx, q.Filter(),
		options.Find().SetSort(q.Sort()).SetLimit(int64(q.Limit)).SetProjection(summaryProjection))
	if err != nil {
		return nil, fmt.Errorf("list deployment summaries: %w", classify(err))
	}
	out := []DeploymentSummary{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list deployment summaries: %w", classify(err))
	}
	for i := range out {
		out[i].present()
	}
	return out, nil
}

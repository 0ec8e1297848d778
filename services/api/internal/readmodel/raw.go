package readmodel

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Kind is a kind of document the projector writes: its collection.
type Kind string

// The kinds of documents the projector writes.
const (
	KindDeployments Kind = collDeployments
	KindOperations  Kind = collOperations
	KindRevisions   Kind = collRevisions
	KindPromotions  Kind = collPromotions
)

// RawDoc is a document marshalled to BSON with its id: what a flush writes,
// taken from the projector's documents at once, so that writing it shares
// nothing with the documents events go on being applied to.
type RawDoc struct {
	ID  string
	Raw bson.Raw
}

// Marshal is doc as RawDoc, marshalled as the typed writes marshal it.
func Marshal(id string, doc any) (RawDoc, error) {
	raw, err := bson.Marshal(doc)
	return RawDoc{ID: id, Raw: raw}, err
}

// InsertNewRaw inserts docs of kind believed absent, as InsertNewDeployments
// does, and returns the indexes of those present already.
func (s *Store) InsertNewRaw(ctx context.Context, kind Kind, docs []RawDoc) ([]int, error) {
	raws := make([]bson.Raw, len(docs))
	for i, d := range docs {
		raws[i] = d.Raw
	}
	return insertNew(ctx, s.db.Collection(string(kind)), raws)
}

// PutRaw writes doc of kind whole, as PutDeployment does.
func (s *Store) PutRaw(ctx context.Context, kind Kind, doc RawDoc) error {
	return replaceOne(ctx, s.db.Collection(string(kind)), doc.ID, doc.Raw)
}

// Package events is the wire contract every Slipway service shares: the
// envelope, the typed commands and events, the names of subjects, streams,
// consumers and buckets, and the vocabulary clients match on (phases,
// health states, reason codes). How those streams, consumers and buckets
// are configured is pkg/topology's; checking names and specs is
// pkg/validation's.
package events

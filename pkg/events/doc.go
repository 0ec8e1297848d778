// Package events is the wire contract every Slipway service shares: the
// envelope, the typed commands and events, and the names of subjects and streams.
package events

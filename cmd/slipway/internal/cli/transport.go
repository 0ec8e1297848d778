package cli

import (
	"net"
	"net/http"
	"time"
)

// defaultHTTP bounds every phase of a request but the body: connecting,
// TLS and the response headers (the server answers a ?wait= long poll
// within 10 minutes). No overall timeout, so event streams run as long as
// the user wants; commands that wait bound themselves with --timeout.
var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   10 * time.Second,
	ResponseHeaderTimeout: 11 * time.Minute,
	IdleConnTimeout:       90 * time.Second,
	MaxIdleConns:          10,
}}

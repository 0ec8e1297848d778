package validation

import (
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

func TestTargetSpecValidate(t *testing.T) {
	valid := func() events.TargetSpec {
		return events.TargetSpec{Name: "us-east", Region: "us-east-1", Namespace: "models", BaseURL: "https://us.example",
			InstanceTypes: map[string]events.InstanceType{"gpu-a10": {CPU: "8", Memory: "32Gi", GPU: 1}},
			Connection:    events.TargetConnection{KubeconfigFile: "/etc/slipway/us-east.kubeconfig"}}
	}
	tests := []struct {
		name   string
		change func(*events.TargetSpec)
		fields []string
	}{
		{"valid", func(*events.TargetSpec) {}, nil},
		{"in-cluster", func(s *events.TargetSpec) { s.Connection = events.TargetConnection{InCluster: true} }, nil},
		{"secret", func(s *events.TargetSpec) {
			s.Connection = events.TargetConnection{KubeconfigSecret: &events.SecretKeySelector{Namespace: "slipway", Name: "us.kc", Key: "config"}}
		}, nil},
		{"bad name", func(s *events.TargetSpec) { s.Name = "US_East" }, []string{"name"}},
		{"bad region", func(s *events.TargetSpec) { s.Region = "US East" }, []string{"region"}},
		{"no namespace", func(s *events.TargetSpec) { s.Namespace = "" }, []string{"namespace"}},
		{"relative base URL", func(s *events.TargetSpec) { s.BaseURL = "/models" }, []string{"baseURL"}},
		{"ftp base URL", func(s *events.TargetSpec) { s.BaseURL = "ftp://x.example" }, []string{"baseURL"}},
		{"no instance types", func(s *events.TargetSpec) { s.InstanceTypes = nil }, []string{"instanceTypes"}},
		{"bad quantities", func(s *events.TargetSpec) {
			s.InstanceTypes = map[string]events.InstanceType{"big": {CPU: "lots", Memory: "4GB", GPU: -1}}
		}, []string{"instanceTypes.big.cpu", "instanceTypes.big.memory", "instanceTypes.big.gpu"}},
		{"no connection", func(s *events.TargetSpec) { s.Connection = events.TargetConnection{} }, []string{"connection"}},
		{"two connections", func(s *events.TargetSpec) { s.Connection.InCluster = true }, []string{"connection"}},
		{"relative file", func(s *events.TargetSpec) { s.Connection.KubeconfigFile = "kc.yaml" }, []string{"connection.kubeconfigFile"}},
		{"incomplete secret", func(s *events.TargetSpec) {
			s.Connection = events.TargetConnection{KubeconfigSecret: &events.SecretKeySelector{Name: "kc", Key: "a/b"}}
		}, []string{"connection.kubeconfigSecret.namespace", "connection.kubeconfigSecret.key"}},
		{"ingress routing", func(s *events.TargetSpec) {
			s.Routing = &events.Routing{Ingress: &events.IngressRouting{ClassName: "nginx", Rewrite: events.IngressRewriteNginx}}
		}, nil},
		{"routing none", func(s *events.TargetSpec) { s.Routing = &events.Routing{Kind: events.RoutingNone} }, nil},
		{"gateway without a name", func(s *events.TargetSpec) {
			s.Routing = &events.Routing{Gateway: &events.GatewayRouting{Namespace: "gw"}}
		},
			[]string{"routing.gateway.name"}},
		{"bad routing", func(s *events.TargetSpec) {
			s.Routing = &events.Routing{Kind: "mesh", Ingress: &events.IngressRouting{Rewrite: "traefik"}}
		}, []string{"routing.kind", "routing.ingress.rewrite"}},
		{"own prometheus", func(s *events.TargetSpec) { s.PrometheusURL = "https://prometheus.monitoring:9090/prom" }, nil},
		{"prometheus with credentials", func(s *events.TargetSpec) { s.PrometheusURL = "https://ada:secret@prometheus.example" },
			[]string{"prometheusURL"}},
		{"relative prometheus", func(s *events.TargetSpec) { s.PrometheusURL = "prometheus:9090" }, []string{"prometheusURL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.change(&s)
			var got []string
			for _, fe := range Target(s) {
				got = append(got, fe.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestPrometheusURL(t *testing.T) {
	tests := []struct {
		url, msg string // msg: a substring of the error; "" valid
	}{
		{url: ""},
		{url: "http://prometheus.monitoring:9090"},
		{url: "https://prom.example/prefix/"},
		{url: "prometheus.monitoring:9090", msg: "absolute http(s) URL"},
		{url: "/api/v1", msg: "absolute http(s) URL"},
		{url: "ftp://prom.example", msg: "absolute http(s) URL"},
		{url: "http://", msg: "absolute http(s) URL"},
		{url: "https://ada:pw@prom.example", msg: "credentials"},
		{url: "https://token@prom.example", msg: "credentials"},
		{url: "https://prom.example?x=1", msg: "query or fragment"},
		{url: "https://prom.example#top", msg: "query or fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			fe := PrometheusURL("targets[0].prometheusURL", tt.url)
			switch {
			case tt.msg == "" && fe != nil:
				t.Fatalf("refused: %v", fe)
			case tt.msg != "" && (fe == nil || !strings.Contains(fe.Message, tt.msg) || fe.Field != "targets[0].prometheusURL"):
				t.Fatalf("got %+v, want a field error on targets[0].prometheusURL containing %q", fe, tt.msg)
			}
		})
	}
}

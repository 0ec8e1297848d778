package events

import (
	"strings"
	"testing"
)

func TestTargetSpecValidate(t *testing.T) {
	valid := func() TargetSpec {
		return TargetSpec{Name: "us-east", Region: "us-east-1", Namespace: "models", BaseURL: "https://us.example",
			InstanceTypes: map[string]InstanceType{"gpu-a10": {CPU: "8", Memory: "32Gi", GPU: 1}},
			Connection:    TargetConnection{KubeconfigFile: "/etc/slipway/us-east.kubeconfig"}}
	}
	tests := []struct {
		name   string
		change func(*TargetSpec)
		fields []string
	}{
		{"valid", func(*TargetSpec) {}, nil},
		{"in-cluster", func(s *TargetSpec) { s.Connection = TargetConnection{InCluster: true} }, nil},
		{"secret", func(s *TargetSpec) {
			s.Connection = TargetConnection{KubeconfigSecret: &SecretKeySelector{Namespace: "slipway", Name: "us.kc", Key: "config"}}
		}, nil},
		{"bad name", func(s *TargetSpec) { s.Name = "US_East" }, []string{"name"}},
		{"bad region", func(s *TargetSpec) { s.Region = "US East" }, []string{"region"}},
		{"no namespace", func(s *TargetSpec) { s.Namespace = "" }, []string{"namespace"}},
		{"relative base URL", func(s *TargetSpec) { s.BaseURL = "/models" }, []string{"baseURL"}},
		{"ftp base URL", func(s *TargetSpec) { s.BaseURL = "ftp://x.example" }, []string{"baseURL"}},
		{"no instance types", func(s *TargetSpec) { s.InstanceTypes = nil }, []string{"instanceTypes"}},
		{"bad quantities", func(s *TargetSpec) {
			s.InstanceTypes = map[string]InstanceType{"big": {CPU: "lots", Memory: "4GB", GPU: -1}}
		}, []string{"instanceTypes.big.cpu", "instanceTypes.big.memory", "instanceTypes.big.gpu"}},
		{"no connection", func(s *TargetSpec) { s.Connection = TargetConnection{} }, []string{"connection"}},
		{"two connections", func(s *TargetSpec) { s.Connection.InCluster = true }, []string{"connection"}},
		{"relative file", func(s *TargetSpec) { s.Connection.KubeconfigFile = "kc.yaml" }, []string{"connection.kubeconfigFile"}},
		{"incomplete secret", func(s *TargetSpec) {
			s.Connection = TargetConnection{KubeconfigSecret: &SecretKeySelector{Name: "kc", Key: "a/b"}}
		}, []string{"connection.kubeconfigSecret.namespace", "connection.kubeconfigSecret.key"}},
		{"ingress routing", func(s *TargetSpec) {
			s.Routing = &Routing{Ingress: &IngressRouting{ClassName: "nginx", Rewrite: IngressRewriteNginx}}
		}, nil},
		{"routing none", func(s *TargetSpec) { s.Routing = &Routing{Kind: RoutingNone} }, nil},
		{"gateway without a name", func(s *TargetSpec) { s.Routing = &Routing{Gateway: &GatewayRouting{Namespace: "gw"}} },
			[]string{"routing.gateway.name"}},
		{"bad routing", func(s *TargetSpec) {
			s.Routing = &Routing{Kind: "mesh", Ingress: &IngressRouting{Rewrite: "traefik"}}
		}, []string{"routing.kind", "routing.ingress.rewrite"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.change(&s)
			var got []string
			for _, fe := range s.Validate() {
				got = append(got, fe.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestTargetSubjects(t *testing.T) {
	if got, ok := TargetName(TargetSubject("us-east")); !ok || got != "us-east" {
		t.Fatalf("TargetName = %q, %v", got, ok)
	}
	if _, ok := TargetName(DeploymentSubject(DeploymentRef{Owner: "a", Project: "b", Name: "c"})); ok {
		t.Fatal("a deployment subject is not a target's")
	}
	if got, ok := TargetOfEnvelopeSubject(TargetEnvelopeSubject("us-east")); !ok || got != "us-east" {
		t.Fatalf("TargetOfEnvelopeSubject = %q, %v", got, ok)
	}
}

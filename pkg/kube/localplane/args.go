package localplane

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Network settings of the plane. Only the loopback addresses are ever
// dialled: the 10.x values are data that KWOK writes into Node and Pod
// status, and the service range is never routed. The service range holds
// 65,534 addresses: a /24 ran out at about 250 deployments (each has its
// Services), and the apiserver refused every Service after ("failed to
// allocate a serviceIP"). Widening it keeps 10.0.0.1, so a plane's data
// from before still fits.
const (
	serviceCIDR = "10.0.0.0/16"
	serviceIP   = "10.0.0.1" // first address of serviceCIDR: the kubernetes Service
	podCIDR     = "10.244.0.1/16"
	nodeIP      = "10.243.0.1"
	// nodeLeaseSeconds is the duration of the node's Lease, as a kubelet's.
	nodeLeaseSeconds = 40
)

// DefaultControllers are the kube-controller-manager controllers the plane
// runs: enough for Deployments, Services/EndpointSlices, HPAs, garbage
// collection, namespace deletion and the default ServiceAccount.
var DefaultControllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
	"node-lifecycle-controller",
	"endpointslice-controller",
	"endpoints-controller",
	"horizontal-pod-autoscaler-controller",
	"garbage-collector-controller",
	"namespace-controller",
}

// layout is where one plane keeps its files and which ports it listens on.
type layout struct {
	dir                        string
	pki                        *pkiFiles
	tokenFile, kubeconfig      string
	stagesFile                 string
	auditPolicy, auditLog      string // both empty unless Options.AuditPolicy is set
	etcdClient, etcdPeer, apis int
}

func (l layout) path(elem ...string) string {
	return filepath.Join(append([]string{l.dir}, elem...)...)
}

func (l layout) etcdArgs() []string {
	client := fmt.Sprintf("http://127.0.0.1:%d", l.etcdClient)
	peer := fmt.Sprintf("http://127.0.0.1:%d", l.etcdPeer)
	return []string{
		"--name=default",
		"--data-dir=" + l.path("etcd"),
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=default=" + peer,
		"--unsafe-no-fsync", // throw-away data: skip fsync so a busy disk does not slow tests
		// 8 GiB rather than 2: a fleet of 10,000 Deployments, their
		// ReplicaSets, pods and EndpointSlices, changed twice, writes more
		// history than 2 GiB holds between the apiserver's compactions.
		"--quota-backend-bytes=8589934592",
	}
}

func (l layout) apiserverArgs() []string {
	args := []string{
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", l.etcdClient),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", l.apis),
		"--endpoint-reconciler-type=none", // a loopback advertise address is refused otherwise
		"--cert-dir=" + l.path("apiserver-certs"),
		"--tls-cert-file=" + l.pki.servingCert, "--tls-private-key-file=" + l.pki.serveKey,
		"--client-ca-file=" + l.pki.caCert,
		"--token-auth-file=" + l.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + l.pki.saPub,
		"--service-account-signing-key-file=" + l.pki.saKey,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--profiling=false",
	}
	if l.auditPolicy != "" {
		// The log backend's default mode is blocking: an event is in the
		// file once the request it records has been answered.
		args = append(args, "--audit-policy-file="+l.auditPolicy, "--audit-log-path="+l.auditLog,
			"--audit-log-format=json", "--audit-log-maxsize=0")
	}
	return args
}

// clientArgs are a controller's flags for its client of the apiserver:
// none at qps 0 (the component's defaults, as a cluster ships them: 20 for
// the controller-manager, 50 for the scheduler), else that rate with twice
// its burst.
func clientArgs(qps int) []string {
	if qps <= 0 {
		return nil
	}
	return []string{fmt.Sprintf("--kube-api-qps=%d", qps), fmt.Sprintf("--kube-api-burst=%d", 2*qps)}
}

func (l layout) controllerManagerArgs(extra []string, qps int) []string {
	return append([]string{
		"--kubeconfig=" + l.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0", // no health endpoint needed; avoids another port
		"--service-account-private-key-file=" + l.pki.saKey,
		"--root-ca-file=" + l.pki.caCert,
		"--controllers=" + strings.Join(append(append([]string{}, DefaultControllers...), extra...), ","),
		"--profiling=false",
	}, clientArgs(qps)...)
}

func (l layout) schedulerArgs(qps int) []string {
	return append([]string{
		"--kubeconfig=" + l.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--profiling=false",
	}, clientArgs(qps)...)
}

func (l layout) kwokArgs() []string {
	return []string{
		"--config=" + l.stagesFile,
		"--kubeconfig=" + l.kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + NodeAnnotation + "=" + nodeTaintValue,
		"--cidr=" + podCIDR,
		"--node-ip=" + nodeIP,
		// Renew the node's Lease. Without the flag KWOK (started with a
		// Stage-only --config) renews none, so the node-lifecycle controller
		// marks the node NotReady after its grace period (about 50s) and with
		// it every pod, which KWOK never makes Ready again.
		fmt.Sprintf("--node-lease-duration-seconds=%d", nodeLeaseSeconds),
	}
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"slipway.dev/testsupport/kubeplane"
)

// tokenLifetime is how long a ServiceAccount token of a Stack lasts: longer
// than any scenario.
const tokenLifetime = time.Hour

// AccountUser is the user name the API server gives a token of
// ServiceAccount sa in namespace slipway.
func AccountUser(sa string) string { return "system:serviceaccount:" + SlipwayNamespace + ":" + sa }

// AsServiceAccounts runs the rollout worker and the health monitor with
// the credentials of their own ServiceAccounts from deployments/ (tokens
// from the TokenRequest API), not as the plane's admin: the kustomize base
// is installed (InstallBase) and its Roles for namespace models are copied
// into the Stack's namespace, as deployments/README.md says to do for
// another target namespace.
func AsServiceAccounts() Option { return func(s *Stack) { s.accounts = true } }

// useServiceAccounts sets the Stack up for AsServiceAccounts.
func (s *Stack) useServiceAccounts(dir string) {
	s.t.Helper()
	objs := InstallBase(s.t)
	ctx, cancel := context.WithTimeout(s.t.Context(), time.Minute)
	defer cancel()
	var roles []*unstructured.Unstructured
	for _, o := range objs {
		if (o.GetKind() == "Role" || o.GetKind() == "RoleBinding") && o.GetNamespace() == ModelsNamespace {
			c := o.DeepCopy()
			c.SetNamespace(s.Namespace)
			roles = append(roles, c)
		}
	}
	a, err := NewApplier(s.Plane.RESTConfig())
	if err == nil {
		err = a.Apply(ctx, roles)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.kubeconfigs = map[string]string{}
	for service, sa := range map[string]string{ServiceWorker: WorkerAccount, ServiceMonitor: MonitorAccount} {
		// The authorizer learns of new bindings from a watch: wait until it
		// allows what every informer of the service does first.
		if err := WaitAllowed(ctx, s.Plane.Client(), AccountUser(sa), s.Namespace, "apps", "deployments", "list"); err != nil {
			s.t.Fatal(err)
		}
		path, err := AccountKubeconfig(ctx, s.Plane, sa, filepath.Join(dir, sa+".kubeconfig"))
		if err != nil {
			s.t.Fatal(err)
		}
		s.kubeconfigs[service] = path
	}
}

// AccountKubeconfig requests a token of ServiceAccount sa (namespace
// slipway) and writes a kubeconfig with it for the plane to path.
func AccountKubeconfig(ctx context.Context, plane *kubeplane.Plane, sa, path string) (string, error) {
	secs := int64(tokenLifetime / time.Second)
	tr, err := plane.Client().CoreV1().ServiceAccounts(SlipwayNamespace).CreateToken(ctx, sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &secs}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("e2e: token of %s: %w", sa, err)
	}
	cfg := plane.RESTConfig()
	kc := clientcmdapi.NewConfig()
	kc.Clusters[sa] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[sa] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts[sa] = &clientcmdapi.Context{Cluster: sa, AuthInfo: sa}
	kc.CurrentContext = sa
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("e2e: %w", err)
	}
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return "", fmt.Errorf("e2e: kubeconfig of %s: %w", sa, err)
	}
	return path, nil
}

// Allowed asks the API server (a SubjectAccessReview) whether user may do
// verb on resource of group in namespace ns.
func Allowed(ctx context.Context, cs kubernetes.Interface, user, ns, group, resource, verb string) (bool, error) {
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               user,
		Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + SlipwayNamespace, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Group: group, Resource: resource, Verb: verb},
	}}
	got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("e2e: SubjectAccessReview: %w", err)
	}
	return got.Status.Allowed, nil
}

// WaitAllowed waits until Allowed says yes.
func WaitAllowed(ctx context.Context, cs kubernetes.Interface, user, ns, group, resource, verb string) error {
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return Allowed(ctx, cs, user, ns, group, resource, verb)
	})
	if err != nil {
		return fmt.Errorf("e2e: %s may not %s %s.%s in %s: %w", user, verb, resource, group, ns, err)
	}
	return nil
}

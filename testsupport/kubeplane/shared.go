package kubeplane

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/kube/localplane"
)

// logTailLines is how many lines of each process log a failed test prints.
const logTailLines = 40

// shared is the package-wide plane managed by ForPackage and Shared.
var shared struct {
	enabled bool    // set by ForPackage before any test runs
	opts    Options // the shared plane's options, set with enabled
	once    sync.Once
	plane   *Plane
	err     error
	dumped  sync.Map // testing.TB -> struct{}: tests whose failure hook is set
}

// ForPackage runs the package's tests with one control plane shared by
// all of them, started lazily by the first call to Shared or Namespace
// and stopped after the last test. SLIPWAY_KUBE_KEEP=1 keeps its working
// directory (logs, etcd data) after the run. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(kubeplane.ForPackage(m)) }
//
// If the test binary dies instead (panic, -timeout), the kernel kills the
// plane's processes (see sysProcAttr).
func ForPackage(m *testing.M) int { return ForPackageWith(m, Options{}) }

// ForPackageWith is ForPackage for a shared plane started with opts (for
// example NoTaint); Shared fills in Logf and, from SLIPWAY_KUBE_KEEP,
// KeepDir when they are unset.
func ForPackageWith(m *testing.M, opts Options) int {
	shared.enabled, shared.opts = true, opts
	code := m.Run()
	if shared.plane != nil {
		began := time.Now()
		err := shared.plane.Stop()
		if testing.Verbose() {
			fmt.Fprintf(os.Stderr, "kubeplane: stopped shared plane in %s\n", time.Since(began).Round(time.Millisecond))
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "kubeplane: stop shared plane: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Shared returns the package's shared plane, starting it on first use.
// It skips t when the binaries are missing (see SkipIfUnavailable), fails
// t when the plane could not start or TestMain does not call ForPackage,
// and prints the tail of every process log if t fails.
func Shared(t testing.TB) *Plane {
	t.Helper()
	SkipIfUnavailable(t)
	if !shared.enabled {
		t.Fatal("kubeplane: Shared needs TestMain to call kubeplane.ForPackage(m)")
	}
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		opts := shared.opts
		if opts.Logf == nil {
			opts.Logf = t.Logf
		}
		opts.KeepDir = opts.KeepDir || os.Getenv("SLIPWAY_KUBE_KEEP") == "1"
		shared.plane, shared.err = Start(ctx, opts)
	})
	if shared.err != nil {
		t.Fatalf("kubeplane: start shared plane: %v", shared.err)
	}
	DumpLogsOnFailure(t, shared.plane)
	if err := shared.plane.Err(); err != nil {
		t.Fatalf("kubeplane: shared plane is broken: %v", err)
	}
	return shared.plane
}

// StartT starts a plane for t alone and stops it when t ends, printing the
// process log tails first if t failed. It skips t like Shared does.
func StartT(t testing.TB, opts Options) *Plane {
	t.Helper()
	SkipIfUnavailable(t)
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	p, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("kubeplane: %v", err)
	}
	DumpLogsOnFailure(t, p)
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("kubeplane: stop: %v", err)
		}
	})
	return p
}

// SkipIfUnavailable skips t, naming the build command, when the binaries
// are missing from BinDir. With SLIPWAY_KUBE_REQUIRED=1 (for CI) it fails
// t instead, so a missing build cannot pass as a skip.
func SkipIfUnavailable(t testing.TB) {
	t.Helper()
	ok, reason := Available()
	switch {
	case ok:
	case os.Getenv(EnvRequired) == "1":
		t.Fatal("kubeplane: " + reason + " (" + EnvRequired + "=1 makes this a failure)")
	default:
		t.Skip("kubeplane: " + reason)
	}
}

// DumpLogsOnFailure prints the tail of every process log of p when t
// fails (once per test, however often it is called).
func DumpLogsOnFailure(t testing.TB, p *Plane) {
	if _, seen := shared.dumped.LoadOrStore(t, struct{}{}); seen {
		return
	}
	t.Cleanup(func() {
		shared.dumped.Delete(t)
		if t.Failed() {
			t.Logf("kubeplane: control-plane logs (dir %s):\n%s", p.Dir(), p.LogTail(logTailLines))
		}
	})
}

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a fresh namespace on the shared plane for t, waits until
// its default ServiceAccount exists (pods are rejected before that), and
// deletes it when t ends. Its name derives from t.Name().
func Namespace(t testing.TB) string {
	t.Helper()
	cs := Shared(t).Client()
	prefix := strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(prefix) > 40 {
		prefix = strings.Trim(prefix[:40], "-")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("kubeplane: create namespace: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("kubeplane: delete namespace %s: %v", ns.Name, err)
		}
	})
	if err := localplane.WaitServiceAccount(ctx, cs, ns.Name); err != nil {
		t.Fatalf("kubeplane: %v", err)
	}
	return ns.Name
}

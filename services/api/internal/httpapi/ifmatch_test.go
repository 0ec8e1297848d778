package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"slipway.dev/services/api/internal/readmodel"
)

// TestIfMatchRefusesOnlyWhatMovedOn: a version behind the document's is
// refused at once; the document's own version, or one it has not reached
// yet (read on a replica whose view is ahead of this store), goes on to the
// worker, which checks it against the history.
func TestIfMatchRefusesOnlyWhatMovedOn(t *testing.T) {
	current := readmodel.Deployment{Version: 42}
	for _, tc := range []struct {
		header string
		want   uint64
		err    error
	}{
		{"", 0, nil},
		{"*", 0, nil},
		{`"42.57"`, 42, nil},
		{"42", 42, nil},
		{`"43.60"`, 43, nil},
		{`"41.50"`, 0, errPrecondition},
		{"not-an-etag", 0, errBadParam},
	} {
		t.Run(tc.header, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPatch, "/", nil)
			if tc.header != "" {
				req.Header.Set("If-Match", tc.header)
			}
			got, err := ifMatch(echo.New().NewContext(req, httptest.NewRecorder()), current)
			if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("version %d, error %v; want %d, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

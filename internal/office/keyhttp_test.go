package office_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/office"
)

// TestSigningKeyAPI: register through the API, read back (no key in the answer), revoke, and the
// answers for a mismatched key and for other callers.
func TestSigningKeyAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{Keys: office.FileKeys{Dir: t.TempDir()}})
		c := client{t: t, url: testServer(t, f.svc).URL}
		cert, key := personalCert(t, "Trần Văn Bình", monday.AddDate(0, -1, 0), monday.AddDate(1, 0, 0))
		_, other := personalCert(t, "Khác", monday.AddDate(0, -1, 0), monday.AddDate(1, 0, 0))
		body := func(k []byte) *strings.Reader {
			b, _ := json.Marshal(office.KeyUpload{Agency: ubndLD, Certificate: string(cert), Key: string(k), Image: tinyPNG})
			return strings.NewReader(string(b))
		}
		path := "/api/v1/office/signing-keys/" + leaderLD.ID
		if code := c.do("PUT", path, leaderLD.ID, "", "application/json", body(other), nil); code != http.StatusBadRequest {
			t.Fatalf("mismatched key: %d", code)
		}
		if code := c.do("PUT", path, leaderDL.ID, "", "application/json", body(key), nil); code != http.StatusForbidden {
			t.Fatalf("another province's leader registered: %d", code)
		}
		var raw string
		if code := c.do("PUT", path, leaderLD.ID, "", "application/json", body(key), &raw); code != http.StatusOK || strings.Contains(raw, "PRIVATE KEY") || !strings.Contains(raw, `"has_image":true`) {
			t.Fatalf("register: %d %s", code, raw)
		}
		var k office.PersonalKey
		if code := c.do("GET", path, clerkLD.ID, "", "", nil, &k); code != http.StatusOK || k.Subject != "Trần Văn Bình" {
			t.Fatalf("get: %d %+v", code, k)
		}
		if code := c.do("GET", path, clerkDL.ID, "", "", nil, nil); code != http.StatusForbidden {
			t.Fatalf("another province's clerk read it: %d", code)
		}
		if code := c.do("POST", path+"/revocation", leaderLD.ID, "", "application/json", strings.NewReader(`{"reason":"Mất token"}`), &k); code != http.StatusOK || k.RevokedAt == nil {
			t.Fatalf("revoke: %d %+v", code, k)
		}
		if code := c.do("GET", "/api/v1/office/signing-keys/nobody", leaderLD.ID, "", "", nil, nil); code != http.StatusNotFound {
			t.Fatalf("unknown login: %d", code)
		}
	})
}

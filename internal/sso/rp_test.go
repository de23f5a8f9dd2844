package sso_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/sso"
)

// openSession stands in for the export internal/auth is asked for (a session without a
// password): it writes the same sessions row Login writes.
func openSession(d *db.DB) func(context.Context, int64) (string, error) {
	return func(ctx context.Context, userID int64) (string, error) {
		token := "t" + strings.Repeat("0", 10) + time.Now().Format("150405.000000000")
		h := sha256.Sum256([]byte(token))
		err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
				hex.EncodeToString(h[:]), userID, "csrf", tx.Now, tx.Now.Add(time.Hour))
			return err
		})
		return token, err
	}
}

func TestRelyingPartyLoginLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := newNational(t, d)

		// The provincial node has its own database and its own accounts.
		local := dbtest.SQLite(t)
		las, err := auth.NewService(ctx, local, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 5, LockoutDuration: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		prov := httptest.NewServer(las.Middleware(mux))
		t.Cleanup(prov.Close)
		secret, err := n.p.RegisterClient(ctx, sso.Client{ID: "h36-portal", RedirectURIs: []string{prov.URL + "/sso/callback"}, PostLogoutRedirects: []string{prov.URL + "/"}})
		if err != nil {
			t.Fatal(err)
		}
		rp, err := sso.NewRP(las, sso.RPOptions{Issuer: n.srv.URL + "/oidc", ClientID: "h36-portal", ClientSecret: secret, PublicURL: prov.URL,
			Secret: "rp secret", OpenSession: openSession(local)})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/sso/", rp.Handler())
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if p := auth.FromContext(r.Context()); p != nil && p.IsApplicant() {
				io.WriteString(w, "signed in: "+p.ID)
				return
			}
			io.WriteString(w, "anonymous")
		})

		jar, _ := cookiejar.New(nil)
		b := &http.Client{Jar: jar}
		res, err := b.Get(prov.URL + "/sso/login?next=/ho-so")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := idField.FindSubmatch(body)
		if res.StatusCode != http.StatusOK || m == nil || !strings.HasPrefix(res.Request.URL.String(), n.srv.URL+"/oidc/login") {
			t.Fatalf("expected the provider's login form, got %d at %s", res.StatusCode, res.Request.URL)
		}
		res, err = b.PostForm(n.srv.URL+"/oidc/login", url.Values{"id": {string(m[1])}, "login": {citizenID}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if got := string(body); got != "signed in: "+citizenID || res.Request.URL.Path != "/ho-so" {
			t.Fatalf("after login at %s: %d %q", res.Request.URL, res.StatusCode, got)
		}
		a, err := las.Applicant(ctx, mustUser(t, las, citizenID))
		if err != nil || a.FullName != "Nguyễn Văn An" || a.Email != "an@example.vn" || a.Address != "12 Trần Phú, Đà Lạt" {
			t.Fatalf("local account: %+v %v", a, err)
		}

		// Logout ends both sessions.
		res, err = b.Get(prov.URL + "/sso/logout")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "anonymous" || res.Request.URL.String() != prov.URL+"/" {
			t.Fatalf("after logout at %s: %q", res.Request.URL, body)
		}
		res, err = b.Get(prov.URL + "/sso/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if !idField.Match(body) {
			t.Fatalf("the provider logged in silently after logout: %s at %s", body, res.Request.URL)
		}

		// A callback without the flow cookie (forged or replayed) is refused.
		res, err = http.Get(prov.URL + "/sso/callback?code=x&state=y")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("forged callback: %d", res.StatusCode)
		}
	})
}

func mustUser(t *testing.T, as *auth.Service, login string) int64 {
	t.Helper()
	u, err := as.User(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

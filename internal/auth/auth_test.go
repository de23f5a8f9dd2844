package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("mật khẩu dài 123")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("hash %q is not argon2id", h)
	}
	if !auth.CheckPassword(h, "mật khẩu dài 123") || auth.CheckPassword(h, "mật khẩu dài 124") || auth.CheckPassword("garbage", "x") {
		t.Error("CheckPassword is wrong")
	}
	if h2, _ := auth.HashPassword("mật khẩu dài 123"); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestScopes(t *testing.T) {
	p := &auth.Principal{Kind: auth.KindUser, ID: "x", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}, {Role: auth.Admin, Agency: "000.00.30.H16"}}}
	for _, tc := range []struct {
		role   auth.Role
		agency string
		want   bool
	}{
		{auth.Clerk, "000.00.00.H36", true},
		{auth.Clerk, "000.01.30.H36", true},  // a commune under Lâm Đồng
		{auth.Clerk, "000.00.00.H16", false}, // another province
		{auth.Leader, "000.00.00.H36", false},
		{auth.Leader, "000.01.30.H16", true}, // admin implies other roles in its scope
		{auth.Admin, "000.00.00.H16", false}, // the district admin does not administer the province
		{auth.Clerk, "", true},
		{auth.Viewer, "*", false},
	} {
		if got := p.Can(tc.role, tc.agency); got != tc.want {
			t.Errorf("Can(%s, %s) = %v, want %v", tc.role, tc.agency, got, tc.want)
		}
	}
	c := &auth.Principal{Kind: auth.KindClient, ID: "c", Agency: "000.00.00.H36", Subtree: true}
	if !c.ActsFor("000.02.31.H36") || c.ActsFor("000.00.00.H16") {
		t.Error("subtree client scope is wrong")
	}
	c.Subtree = false
	if c.ActsFor("000.00.02.H36") || !c.ActsFor("000.00.00.H36") {
		t.Error("single-agency client scope is wrong")
	}
}

func newService(t *testing.T, d *db.DB) *auth.Service {
	t.Helper()
	s, err := auth.NewService(context.Background(), d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour,
		LockoutThreshold: 3, LockoutDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoginLockout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		_, err := s.CreateUser(ctx, auth.System, auth.NewUser{Login: "vanthu", FullName: "Văn Thư", Password: "đúng mật khẩu",
			Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}})
		if err != nil {
			t.Fatal(err)
		}
		tok, p, err := s.Login(ctx, "VanThu", "đúng mật khẩu")
		if err != nil || p.ID != "vanthu" || !p.Can(auth.Clerk, "000.00.02.H36") || p.CSRF == "" {
			t.Fatalf("login: %+v %v", p, err)
		}
		if _, err := s.SessionPrincipal(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.Logout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionPrincipal(ctx, tok); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("session survived logout: %v", err)
		}
		if _, _, err := s.Login(ctx, "nobody", "x"); errs.As(err).Reason != "bad_credentials" {
			t.Errorf("unknown login: %v", err)
		}
		for i := 0; i < 3; i++ {
			if _, _, err := s.Login(ctx, "vanthu", "sai"); errs.As(err).Reason != "bad_credentials" {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		if _, _, err := s.Login(ctx, "vanthu", "đúng mật khẩu"); errs.As(err).Reason != "locked" {
			t.Errorf("the right password after the lockout: %v, want locked", err)
		}
		// Time passes: the lock expires.
		d.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		defer func() { d.Now = time.Now }()
		if _, _, err := s.Login(ctx, "vanthu", "đúng mật khẩu"); err != nil {
			t.Errorf("after the lock expired: %v", err)
		}
	})
}

func TestCreateUserRefusals(t *testing.T) {
	ctx := context.Background()
	s := newService(t, dbtest.SQLite(t))
	provAdmin := &auth.Principal{Kind: auth.KindUser, ID: "ad", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H36"}}}
	good := auth.NewUser{Login: "cv.snv", FullName: "Chuyên Viên", Password: "0123456789", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.02.H36"}}}
	if _, err := s.CreateUser(ctx, provAdmin, good); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		mutate func(*auth.NewUser)
		code   errs.Code
	}{
		"duplicate":      {func(u *auth.NewUser) {}, errs.Conflict},
		"short password": {func(u *auth.NewUser) { u.Login = "aa1"; u.Password = "short" }, errs.Invalid},
		"bad login":      {func(u *auth.NewUser) { u.Login = "Có dấu" }, errs.Invalid},
		"no grant":       {func(u *auth.NewUser) { u.Login = "aa2"; u.Grants = nil }, errs.Invalid},
		"outside scope": {func(u *auth.NewUser) {
			u.Login = "aa3"
			u.Grants = []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H16"}}
		}, errs.Forbidden},
		"global grant": {func(u *auth.NewUser) { u.Login = "aa4"; u.Grants = []auth.Grant{{Role: auth.Viewer, Agency: "*"}} }, errs.Forbidden},
		"unknown role": {func(u *auth.NewUser) {
			u.Login = "aa5"
			u.Grants = []auth.Grant{{Role: "king", Agency: "000.00.02.H36"}}
		}, errs.Invalid},
	} {
		u := good
		tc.mutate(&u)
		if _, err := s.CreateUser(ctx, provAdmin, u); !errs.Is(err, tc.code) {
			t.Errorf("%s: got %v, want %s", name, err, tc.code)
		}
	}
}

func TestClientTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO agencies (code, root, depth, name, name_folded, kind, level, updated_at)
				VALUES ('000.00.00.H36', 'H36', 1, 'UBND tỉnh Lâm Đồng', 'ubnd tinh lam dong', 'province_committee', 'province', ?)`, tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		cr, err := s.CreateClient(ctx, auth.System, auth.NewClient{Name: "QLVB Lâm Đồng", Agency: "000.00.00.H36", Subtree: true})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.IssueToken(ctx, cr.ClientID, cr.ClientSecret)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.TokenPrincipal(tok.AccessToken)
		if err != nil || p.Kind != auth.KindClient || p.Agency != "000.00.00.H36" || !p.Subtree {
			t.Fatalf("token principal %+v %v", p, err)
		}
		if _, err := s.IssueToken(ctx, cr.ClientID, cr.ClientSecret+"x"); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("wrong secret: %v", err)
		}
		forged := []byte(tok.AccessToken)
		forged[len(forged)-5] ^= 1
		for _, bad := range []string{string(forged), "lt1.e30.AAAA", "garbage", ""} {
			if _, err := s.TokenPrincipal(bad); errs.As(err).Reason != "invalid_token" {
				t.Errorf("token %q: %v, want invalid_token", bad, err)
			}
		}
		d.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		defer func() { d.Now = time.Now }()
		if _, err := s.TokenPrincipal(tok.AccessToken); errs.As(err).Reason != "expired_token" {
			t.Errorf("expired token: %v", err)
		}
		// Rotation: the old secret stops working at once.
		d.Now = time.Now
		cr2, err := s.RotateSecret(ctx, auth.System, cr.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.IssueToken(ctx, cr.ClientID, cr.ClientSecret); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("old secret still works: %v", err)
		}
		if _, err := s.IssueToken(ctx, cr.ClientID, cr2.ClientSecret); err != nil {
			t.Errorf("new secret: %v", err)
		}
		// A second service on the same database (another node) accepts the first one's tokens.
		if _, err := newService(t, d).TokenPrincipal(tok.AccessToken); err != nil {
			t.Errorf("other node refuses the token: %v", err)
		}
	})
}

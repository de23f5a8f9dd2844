package office_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/office"
)

// personalCert makes a self-signed certificate and its key, both PEM, valid from..until.
func personalCert(t *testing.T, name string, from, until time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: from, NotAfter: until, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
}

var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")

// TestPersonalSigningKeys: a leader registers his own key; the sign step hands it to the hook; a
// mismatched key is refused; a revoked or expired certificate stops the sign step and changes nothing.
func TestPersonalSigningKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		keyDir := filepath.Join(t.TempDir(), "keys")
		var got *office.PersonalSigner
		calls := 0
		f := newFixture(t, d, office.Options{
			Keys: office.FileKeys{Dir: keyDir},
			SignPDF: func(ctx context.Context, r office.SignRequest) ([]byte, error) {
				calls++
				got = r.Personal
				return append(r.PDF, "\n% signed\n"...), nil
			},
		})
		ctx := context.Background()
		cert, key := personalCert(t, "Trần Văn Bình", monday.AddDate(0, -1, 0), monday.AddDate(0, 0, 10))
		_, otherKey := personalCert(t, "Someone else", monday.AddDate(0, -1, 0), monday.AddDate(1, 0, 0))

		// Refusals that change nothing.
		_, err := f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Agency: ubndLD, CertPEM: cert, KeyPEM: otherKey, Image: tinyPNG})
		wantCode(t, err, errs.Invalid, "key_mismatch")
		_, err = f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Agency: ubndLD, CertPEM: cert, KeyPEM: key, Image: []byte("GIF89a")})
		wantCode(t, err, errs.Invalid, "")
		_, err = f.svc.RegisterSigningKey(ctx, drafterLD, office.KeyRegistration{Agency: ubndLD, CertPEM: cert, KeyPEM: key})
		wantCode(t, err, errs.Forbidden, "not_your_agency")
		_, err = f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Login: leaderDL.ID, Agency: ubndLD, CertPEM: cert, KeyPEM: key})
		wantCode(t, err, errs.Forbidden, "not_your_agency")
		oldCert, oldKey := personalCert(t, "Trần Văn Bình", monday.AddDate(-2, 0, 0), monday.AddDate(0, 0, -1))
		_, err = f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Agency: ubndLD, CertPEM: oldCert, KeyPEM: oldKey})
		wantCode(t, err, errs.Conflict, "certificate_expired")
		_, err = f.svc.SigningKey(ctx, leaderLD, leaderLD.ID)
		wantCode(t, err, errs.NotFound, "no_signing_key")

		k, err := f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Agency: ubndLD, CertPEM: cert, KeyPEM: key, Image: tinyPNG})
		if err != nil || k.Login != leaderLD.ID || k.Subject != "Trần Văn Bình" || !k.HasImage || k.RevokedAt != nil {
			t.Fatalf("RegisterSigningKey = %+v, %v", k, err)
		}
		files, _ := filepath.Glob(filepath.Join(keyDir, "*.key.pem"))
		if len(files) != 1 {
			t.Fatalf("key files: %v", files)
		}
		if st, err := os.Stat(files[0]); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode: %v, %v", st.Mode(), err)
		}

		// Signing hands the personal key and image to the hook.
		o := signed(t, f, decision("Về việc ký bằng chữ ký số cá nhân"))
		if got == nil || string(got.KeyPEM) != string(key) || string(got.CertPEM) != string(cert) || string(got.Image) != string(tinyPNG) {
			t.Fatalf("hook got %+v", got)
		}
		if o.Status != office.Signed {
			t.Fatalf("status %s", o.Status)
		}

		// Expired by signing time: refused, nothing changed.
		approved := func(subject string) *office.Outgoing {
			o, err := f.svc.CreateDraft(ctx, drafterLD, decision(subject))
			if err != nil {
				t.Fatal(err)
			}
			if o, err = f.svc.Transition(ctx, drafterLD, o.ID, office.Change{To: office.Submitted}); err != nil {
				t.Fatal(err)
			}
			if o, err = f.svc.Transition(ctx, leaderLD, o.ID, office.Change{To: office.Approved}); err != nil {
				t.Fatal(err)
			}
			return o
		}
		a := approved("Ký khi chứng thư đã hết hạn")
		f.clock.set(monday.AddDate(0, 0, 11))
		before := calls
		_, err = f.svc.Transition(ctx, leaderLD, a.ID, office.Change{To: office.Signed, Method: office.SignedDigitally})
		wantCode(t, err, errs.Conflict, "certificate_expired")
		if after, _ := f.svc.GetOutgoing(ctx, leaderLD, a.ID); after.Status != office.Approved || after.Version != a.Version || after.Files[0].SHA256 != a.Files[0].SHA256 || calls != before {
			t.Fatalf("an expired certificate changed the document: %+v (hook calls %d → %d)", after, before, calls)
		}

		// Revoked: refused at the sign step, nothing changed; revoking twice is harmless.
		f.clock.set(monday.Add(time.Hour))
		if _, err := f.svc.RevokeSigningKey(ctx, leaderLD, leaderLD.ID, ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("revoked without a reason: %v", err)
		}
		if _, err := f.svc.RevokeSigningKey(ctx, leaderDL, leaderLD.ID, "lost token"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("another province's leader revoked: %v", err)
		}
		k, err = f.svc.RevokeSigningKey(ctx, leaderLD, leaderLD.ID, "Mất thiết bị ký số")
		if err != nil || k.RevokedAt == nil || k.RevokedBy != leaderLD.Actor() {
			t.Fatalf("RevokeSigningKey = %+v, %v", k, err)
		}
		if k2, err := f.svc.RevokeSigningKey(ctx, leaderLD, leaderLD.ID, "again"); err != nil || !k2.RevokedAt.Equal(*k.RevokedAt) || k2.RevokedReason != "Mất thiết bị ký số" {
			t.Fatalf("revoking twice = %+v, %v", k2, err)
		}
		_, err = f.svc.Transition(ctx, leaderLD, a.ID, office.Change{To: office.Signed, Method: office.SignedDigitally})
		wantCode(t, err, errs.Conflict, "certificate_revoked")
		if after, _ := f.svc.GetOutgoing(ctx, leaderLD, a.ID); after.Status != office.Approved || after.Version != a.Version || calls != before {
			t.Fatalf("a revoked certificate changed the document: %+v", after)
		}

		// A fresh registration replaces the revoked one and signing works again.
		cert2, key2 := personalCert(t, "Trần Văn Bình", monday.AddDate(0, 0, -1), monday.AddDate(1, 0, 0))
		if _, err := f.svc.RegisterSigningKey(ctx, leaderLD, office.KeyRegistration{Agency: ubndLD, CertPEM: cert2, KeyPEM: key2}); err != nil {
			t.Fatal(err)
		}
		if o, err := f.svc.Transition(ctx, leaderLD, a.ID, office.Change{To: office.Signed, Method: office.SignedDigitally}); err != nil || o.Status != office.Signed || string(got.KeyPEM) != string(key2) {
			t.Fatalf("sign after re-registering: %+v, %v", o, err)
		}
	})
}

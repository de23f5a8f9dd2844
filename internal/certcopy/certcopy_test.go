package certcopy_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/certcopy"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

var (
	// Lâm Đồng (H36) and Đắk Lắk (H16) in the demo registry.
	officerLD = &auth.Principal{Kind: auth.KindUser, ID: "tuphap.ld", Name: "Trần Thị Mai", UserID: 1, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}
	leaderLD  = &auth.Principal{Kind: auth.KindUser, ID: "lanhdao.ld", Name: "Nguyễn Văn Hùng", UserID: 2, Grants: []auth.Grant{{Role: auth.Leader, Agency: "000.00.00.H36"}}}
	officerDL = &auth.Principal{Kind: auth.KindUser, ID: "tuphap.dl", Name: "Y Bhim Niê", UserID: 3, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H16"}}}
	viewerLD  = &auth.Principal{Kind: auth.KindUser, ID: "theodoi.ld", Name: "Theo Dõi", UserID: 4, Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.H36"}}}
	clientLD  = &auth.Principal{Kind: auth.KindClient, ID: "mc-ld", Name: "Một cửa Lâm Đồng", Agency: "000.00.00.H36", Subtree: true}
)

const agencyLD = "000.00.00.H36"

type fixture struct {
	svc   *certcopy.Service
	db    *db.DB
	blobs string
	trust *signature.TrustStore
	ca    *x509.Certificate
}

func newFixture(t testing.TB, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := agency.ParseCSV(bytes.NewReader(demo.AgenciesCSV()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	blobs, err := blob.NewLocal(dir, blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ca, signer := signaturetest.PKI(t, "UBND tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
	trust := signature.NewTrustStore()
	trust.AddCert(ca)
	svc := certcopy.New(d, blobs, reg, func(ctx context.Context, agency string) (signature.Signer, error) { return signer, nil },
		certcopy.Options{PublicURL: "https://dichvucong.lamdong.gov.vn/", Trust: trust})
	return fixture{svc: svc, db: d, blobs: dir, trust: trust, ca: ca}
}

// scanImage returns a small page image: PNG or JPEG.
func scanImage(t testing.TB, kind string, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 210, 297))
	for y := range 297 {
		for x := range 210 {
			img.Set(x, y, color.RGBA{R: uint8(x + seed), G: uint8(y), B: uint8(seed * 40), A: 255})
		}
	}
	var b bytes.Buffer
	var err error
	if kind == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func request(t testing.TB, pages ...[]byte) certcopy.Request {
	r := certcopy.Request{Agency: agencyLD, ApplicantName: "Nguyễn Thị Hĩ", ApplicantIDNumber: "068190001234",
		OriginalDescription: "Bằng tốt nghiệp trung học phổ thông số 0012345 do Sở Giáo dục và Đào tạo Lâm Đồng cấp ngày 15/6/2010",
		OfficerTitle:        "Công chức Tư pháp - Hộ tịch", Place: "Đà Lạt"}
	for i, p := range pages {
		r.Scans = append(r.Scans, certcopy.Scan{Name: fmt.Sprintf("trang-%d", i+1), Body: bytes.NewReader(p)})
	}
	return r
}

func mustIssue(t testing.TB, f fixture, p *auth.Principal, req certcopy.Request) *certcopy.Copy {
	t.Helper()
	c, err := f.svc.Issue(context.Background(), p, req)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return c
}

func readBlob(t testing.TB, f fixture, sha string) []byte {
	t.Helper()
	rc, err := mustLocal(t, f.blobs).Open(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tool returns an external program, skipping when it is missing unless LIENTHONG_TEST_REQUIRE is set.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(dbtest.RequireEnv) != "" {
			t.Fatalf("%s is required (%s is set): %v", name, dbtest.RequireEnv, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

func runTool(t testing.TB, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	return string(out), err
}

func TestFees(t *testing.T) {
	var got []int64
	for _, n := range []int{0, 1, 2, 3, 10, 198, 199, 500} {
		got = append(got, certcopy.DefaultFees.Fee(n))
	}
	want := []int64{0, 2000, 4000, 5000, 12000, 200000, 200000, 200000}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fees (-want +got):\n%s", d)
	}
	if got := certcopy.FormatDong(1234567); got != "1.234.567 đồng" {
		t.Errorf("FormatDong = %q", got)
	}
	if got := certcopy.FormatRegister(certcopy.DefaultRegisterFormat, 12, 2026, "01/2026", agencyLD); got != "Số chứng thực: 12/2026/SCT-BS" {
		t.Errorf("FormatRegister = %q", got)
	}
}

func TestIssueVerifyRevoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c := mustIssue(t, f, officerLD, request(t, scanImage(t, "png", 1), scanImage(t, "jpg", 2), scanImage(t, "png", 3)))
		wantLabel := fmt.Sprintf("Số chứng thực: 1/%d/SCT-BS", c.RegisterYear)
		got := []any{c.RegisterNumber, c.RegisterLabel, c.Pages, c.Fee, len(c.Scans), c.Scans[1].ContentType, c.OfficerName, len(c.Code)}
		want := []any{1, wantLabel, 3, int64(5000), 3, "image/jpeg", "Trần Thị Mai", 12}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("copy (-want +got):\n%s", d)
		}
		if c.VerifyURL != "https://dichvucong.lamdong.gov.vn/verify/"+c.Code {
			t.Errorf("VerifyURL = %q", c.VerifyURL)
		}

		pdfBytes := readBlob(t, f, c.PDF.SHA256)
		rep, err := signature.VerifyPDF(pdfBytes, f.trust)
		if err != nil || !rep.OK {
			t.Fatalf("VerifyPDF: %v %+v", err, rep)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "copy.pdf")
		if err := os.WriteFile(path, pdfBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := runTool(t, "pdfsig", path); err != nil || !strings.Contains(out, "Signature is Valid.") {
			t.Errorf("pdfsig: %v\n%s", err, out)
		}
		text, err := runTool(t, "pdftotext", path, "-")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{wantLabel, certcopy.Certification, c.Code, "5.000 đồng", "Nguyễn Thị Hĩ", "Trang 4/4"} {
			if !strings.Contains(text, w) {
				t.Errorf("the PDF text lacks %q:\n%s", w, text)
			}
		}

		// Verification by code, with the issued file and with a tampered one.
		v, err := f.svc.Verify(ctx, strings.ToLower(c.Code[:4]+"-"+c.Code[4:]), pdfBytes)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != certcopy.Authentic || v.Copy.RegisterLabel != wantLabel || !v.File.Identical || !v.File.SignatureValid || v.File.Signer != "UBND tỉnh Lâm Đồng" {
			t.Errorf("Verify(issued file) = %+v %+v", v, v.File)
		}
		tampered := bytes.Clone(pdfBytes)
		tampered[len(tampered)/3] ^= 0x20
		v, err = f.svc.Verify(ctx, c.Code, tampered)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != certcopy.Authentic || v.File.Identical || v.File.SignatureValid {
			t.Errorf("Verify(tampered file) = %+v %+v", v, v.File)
		}
		if v, _ := f.svc.Verify(ctx, "AAAAAAAAAAAA", nil); v.Status != certcopy.Unknown || v.Copy != nil {
			t.Errorf("Verify(unknown) = %+v", v)
		}
		if v, _ := f.svc.Verify(ctx, "../../etc", []byte("hello")); v.Status != certcopy.Unknown || v.File.PDF || v.File.Identical {
			t.Errorf("Verify(garbage) = %+v %+v", v, v.File)
		}

		// Reading: the agency's people and systems; not another province.
		for _, p := range []*auth.Principal{officerLD, leaderLD, viewerLD, clientLD} {
			if _, err := f.svc.Get(ctx, p, c.Code); err != nil {
				t.Errorf("Get as %s: %v", p.ID, err)
			}
		}
		if _, err := f.svc.Get(ctx, officerDL, c.Code); !errs.Is(err, errs.Forbidden) {
			t.Errorf("Get as another province's officer: %v, want forbidden", err)
		}
		list, err := f.svc.List(ctx, viewerLD, certcopy.Filter{Agency: agencyLD})
		if err != nil || len(list) != 1 || list[0].Code != c.Code {
			t.Errorf("List = %v, %v", list, err)
		}

		// Revocation: by the agency's officers and leaders, once, with a reason.
		if _, err := f.svc.Revoke(ctx, viewerLD, c.Code, "Nhầm"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("Revoke as viewer: %v", err)
		}
		if _, err := f.svc.Revoke(ctx, leaderLD, c.Code, "  "); !errs.Is(err, errs.Invalid) {
			t.Errorf("Revoke without reason: %v", err)
		}
		r, err := f.svc.Revoke(ctx, leaderLD, c.Code, "Bản chính bị phát hiện là giả mạo")
		if err != nil || !r.Revoked() {
			t.Fatalf("Revoke: %v", err)
		}
		if _, err := f.svc.Revoke(ctx, officerLD, c.Code, "Lần hai"); !errs.Is(err, errs.Conflict) {
			t.Errorf("second Revoke: %v, want conflict", err)
		}
		v, err = f.svc.Verify(ctx, c.Code, nil)
		if err != nil || v.Status != certcopy.Revoked || v.Copy.RevokeReason != "Bản chính bị phát hiện là giả mạo" {
			t.Errorf("Verify(revoked) = %+v, %v", v, err)
		}
		if got := auditActions(t, d); !slices.Equal(got, []string{"certcopy.issue", "certcopy.revoke"}) {
			t.Errorf("audit actions = %v", got)
		}
	})
}

func auditActions(t testing.TB, d *db.DB) []string {
	t.Helper()
	var out []string
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT action FROM audit_log WHERE action LIKE 'certcopy.%' ORDER BY seq")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGaplessNumbersUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		scan := scanImage(t, "jpg", 7)
		const issuers = 16
		var wg sync.WaitGroup
		numbers := make([]int, issuers)
		errors := make([]error, issuers)
		for i := range issuers {
			wg.Go(func() {
				p := officerLD
				if i%2 == 1 {
					p = leaderLD
				}
				c, err := f.svc.Issue(context.Background(), p, request(t, scan))
				if err == nil {
					numbers[i] = c.RegisterNumber
				}
				errors[i] = err
			})
		}
		wg.Wait()
		for i, err := range errors {
			if err != nil {
				t.Fatalf("issuer %d: %v", i, err)
			}
		}
		slices.Sort(numbers)
		want := make([]int, issuers)
		for i := range want {
			want[i] = i + 1
		}
		if d := cmp.Diff(want, numbers); d != "" {
			t.Errorf("register numbers (-want +got):\n%s", d)
		}
	})
}

func TestFailedIssueGivesItsNumberBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		mustIssue(t, f, officerLD, request(t, scanImage(t, "png", 1)))
		// A key that does not match its certificate fails inside the transaction, after the number
		// was taken: the number must come back.
		_, good := signaturetest.PKI(t, "A", "B")
		_, other := signaturetest.PKI(t, "C", "D")
		broken := certcopy.New(d, mustLocal(t, f.blobs), regOf(t, d), func(context.Context, string) (signature.Signer, error) {
			return signature.Signer{Key: other.Key, Chain: good.Chain}, nil
		}, certcopy.Options{})
		if _, err := broken.Issue(ctx, officerLD, request(t, scanImage(t, "png", 2))); err == nil {
			t.Fatal("Issue with a mismatched key succeeded")
		}
		noKey := certcopy.New(d, mustLocal(t, f.blobs), regOf(t, d), func(context.Context, string) (signature.Signer, error) {
			return signature.Signer{}, errors.New("token not present")
		}, certcopy.Options{})
		if _, err := noKey.Issue(ctx, officerLD, request(t, scanImage(t, "png", 2))); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("Issue without a key: %v, want unavailable", err)
		}
		c := mustIssue(t, f, officerLD, request(t, scanImage(t, "png", 3)))
		if c.RegisterNumber != 2 || count(t, d, "certified_copies") != 2 {
			t.Errorf("after failed issues: number %d, %d copies; want 2 and 2", c.RegisterNumber, count(t, d, "certified_copies"))
		}
	})
}

func mustLocal(t testing.TB, dir string) blob.Store {
	s, err := blob.NewLocal(dir, blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func regOf(t testing.TB, d *db.DB) *agency.Registry {
	r, err := agency.NewRegistry(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBadRequestsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		png := scanImage(t, "png", 1)
		pdfOriginal := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		type tc struct {
			name  string
			p     *auth.Principal
			req   certcopy.Request
			code  errs.Code
			field string
			words string
		}
		noName := request(t, png)
		noName.ApplicantName = " "
		badID := request(t, png)
		badID.ApplicantIDNumber = "12-34"
		unknownAgency := request(t, png)
		unknownAgency.Agency = "000.00.99.H36"
		anywhere := &auth.Principal{Kind: auth.KindUser, ID: "root", Grants: []auth.Grant{{Role: auth.Admin, Agency: auth.Everywhere}}}
		for _, c := range []tc{
			{"PDF original", officerLD, request(t, pdfOriginal), errs.Invalid, "scans[0]", "PDF originals are not accepted"},
			{"PDF named .jpg among images", officerLD, request(t, png, pdfOriginal), errs.Invalid, "scans[1]", "PDF"},
			{"text named as an image", officerLD, request(t, []byte("just some text, not an image")), errs.Invalid, "scans[0]", "not a JPEG or PNG"},
			{"truncated PNG", officerLD, request(t, png[:40]), errs.Invalid, "scans[0]", "damaged"},
			{"no scans", officerLD, request(t), errs.Invalid, "scans", "attach"},
			{"no applicant", officerLD, noName, errs.Invalid, "applicant_name", "required"},
			{"bad identity number", officerLD, badID, errs.Invalid, "applicant_id_number", "identity card"},
			{"unknown agency", anywhere, unknownAgency, errs.Invalid, "agency", "no agency"},
			{"another province's officer", officerDL, request(t, png), errs.Forbidden, "", "only officers and leaders"},
			{"viewer", viewerLD, request(t, png), errs.Forbidden, "", ""},
			{"connected system", clientLD, request(t, png), errs.Forbidden, "", ""},
			{"anonymous", nil, request(t, png), errs.Forbidden, "", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.Issue(ctx, c.p, c.req)
				e := errs.As(err)
				if e.Code != c.code || !strings.Contains(e.Error(), c.words) {
					t.Fatalf("Issue: %v, want %s mentioning %q", err, c.code, c.words)
				}
				if c.field != "" && !slices.ContainsFunc(e.Fields, func(fe errs.FieldError) bool { return fe.Field == c.field }) {
					t.Errorf("fields %+v lack %s", e.Fields, c.field)
				}
			})
		}
		if n := count(t, d, "certified_copies") + count(t, d, "certcopy_counters"); n != 0 {
			t.Errorf("%d rows stored by refused requests", n)
		}
		if got := auditActions(t, d); len(got) != 0 {
			t.Errorf("audit: %v", got)
		}
		entries, _ := os.ReadDir(f.blobs)
		for _, e := range entries {
			if e.IsDir() {
				if sub, _ := os.ReadDir(filepath.Join(f.blobs, e.Name())); len(sub) > 0 {
					t.Errorf("the file store holds %s/%s after refused requests", e.Name(), sub[0].Name())
				}
			}
		}
	})
}

// TestLocalDemoKey issues with a node's local demo key, which no trust store holds: the file check
// still says the signature is the issuer's and valid, and names the missing trust.
func TestLocalDemoKey(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d)
	keys := t.TempDir()
	svc := certcopy.New(d, mustLocal(t, f.blobs), regOf(t, d), func(ctx context.Context, agency string) (signature.Signer, error) {
		return signature.EnsureLocalSigner(filepath.Join(keys, agency), "UBND tỉnh Lâm Đồng (demo)", "UBND tỉnh Lâm Đồng")
	}, certcopy.Options{Trust: signature.NewTrustStore()})
	c, err := svc.Issue(context.Background(), officerLD, request(t, scanImage(t, "png", 1)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.Verify(context.Background(), c.Code, readBlob(t, f, c.PDF.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	got := []any{v.Status, v.File.Identical, v.File.SignedByIssuer, v.File.SignatureValid, v.File.Problems}
	want := []any{certcopy.Authentic, true, true, true, []string{signature.ProblemUntrusted}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("verification (-want +got):\n%s", d)
	}
}

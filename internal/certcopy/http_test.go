package certcopy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/certcopy"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/web"
)

type site struct {
	url  string
	auth *auth.Service
	f    fixture
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, d)
	as, err := auth.NewService(ctx, d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 5, LockoutDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.NewUser{
		{Login: "tuphap.ld", FullName: "Trần Thị Mai", Password: "mật khẩu cán bộ 1", Grants: []auth.Grant{{Role: auth.Officer, Agency: agencyLD}}},
		{Login: "tuphap.dl", FullName: "Y Bhim Niê", Password: "mật khẩu cán bộ 2", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H16"}}},
	} {
		if _, err := as.CreateUser(ctx, auth.System, u); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := certcopy.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	h := &certcopy.Handler{Copies: f.svc, Pages: pages}
	rr := api.NewRouter(1 << 20)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	if doc := rr.OpenAPI("test", "0"); len(doc["paths"].(map[string]any)) != 5 {
		t.Errorf("OpenAPI paths: %d", len(doc["paths"].(map[string]any)))
	}
	srv := httptest.NewServer(as.Middleware(rr.Mux))
	t.Cleanup(srv.Close)
	return &site{url: srv.URL, auth: as, f: f}
}

func (s *site) login(t *testing.T, login, password string) (string, string) {
	t.Helper()
	tok, p, err := s.auth.Login(context.Background(), login, password)
	if err != nil {
		t.Fatal(err)
	}
	return auth.SessionCookie + "=" + tok, p.CSRF
}

type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (s *site) do(t *testing.T, method, path string, header http.Header, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

var rawKey = regexp.MustCompile(`\b(certcopy|nav|error)\.[a-z_]+(\.[a-z_]+)*\b`)

func (a answer) want(t *testing.T, what string, status int, contains ...string) answer {
	t.Helper()
	if a.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, a.Status, status, a.Body)
	}
	for _, c := range contains {
		if !bytes.Contains(a.Body, []byte(c)) {
			t.Errorf("%s: the answer lacks %q:\n%s", what, c, a.Body)
		}
	}
	if strings.HasPrefix(a.Header.Get("Content-Type"), "text/html") {
		if k := rawKey.Find(a.Body); k != nil {
			t.Errorf("%s: the page shows the raw message key %s", what, k)
		}
	}
	return a
}

// multipartBody builds a multipart body: fields, then files under one part name.
func multipartBody(t *testing.T, fields map[string]string, fileField string, files ...[]byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		w.WriteField(k, fields[k])
	}
	for i, f := range files {
		fw, err := w.CreateFormFile(fileField, "trang-"+string(rune('1'+i))+".bin")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(f)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func TestHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		ld, csrfLD := s.login(t, "tuphap.ld", "mật khẩu cán bộ 1")
		dl, _ := s.login(t, "tuphap.dl", "mật khẩu cán bộ 2")
		reqJSON, _ := json.Marshal(map[string]string{"agency": agencyLD, "applicant_name": "Lê Thị Hoa", "applicant_id_number": "068190009999",
			"original_description": "Giấy khai sinh số 123, UBND phường 1 cấp ngày 02/3/1990", "officer_title": "Công chức Tư pháp - Hộ tịch"})
		body, ct := multipartBody(t, map[string]string{"request": string(reqJSON)}, "scan", scanImage(t, "jpg", 1), scanImage(t, "png", 2))

		// Another province's officer is refused; nothing is stored.
		s.do(t, "POST", "/api/v1/certified-copies", http.Header{"Cookie": {dl}, "Content-Type": {ct}}, body).want(t, "issue by Đắk Lắk", http.StatusForbidden, "not_certifying_officer")
		s.do(t, "POST", "/api/v1/certified-copies", http.Header{"Content-Type": {ct}}, body).want(t, "issue anonymously", http.StatusUnauthorized)
		// A PDF original is refused with a clear message.
		pdfBody, pdfCT := multipartBody(t, map[string]string{"request": string(reqJSON)}, "scan", []byte("%PDF-1.7\n%%EOF\n"))
		s.do(t, "POST", "/api/v1/certified-copies", http.Header{"Cookie": {ld}, "Content-Type": {pdfCT}}, pdfBody).want(t, "PDF original", http.StatusBadRequest, "PDF originals are not accepted yet", `"field":"scans[0]"`)
		if n := count(t, d, "certified_copies"); n != 0 {
			t.Fatalf("%d copies after refused requests", n)
		}

		a := s.do(t, "POST", "/api/v1/certified-copies", http.Header{"Cookie": {ld}, "Content-Type": {ct}}, body).want(t, "issue", http.StatusCreated, `"register_number":1`, `"fee":4000`)
		var c certcopy.Copy
		if err := json.Unmarshal(a.Body, &c); err != nil {
			t.Fatal(err)
		}
		pdfAns := s.do(t, "GET", "/api/v1/certified-copies/"+c.Code+"/pdf", http.Header{"Cookie": {ld}}, nil).want(t, "download", http.StatusOK)
		sum := sha256.Sum256(pdfAns.Body)
		if hex.EncodeToString(sum[:]) != c.PDF.SHA256 || pdfAns.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("downloaded PDF: sha %x, type %s; want %s", sum, pdfAns.Header.Get("Content-Type"), c.PDF.SHA256)
		}
		s.do(t, "GET", "/api/v1/certified-copies/"+c.Code+"/pdf", http.Header{"Cookie": {dl}}, nil).want(t, "download by Đắk Lắk", http.StatusForbidden)
		s.do(t, "GET", "/api/v1/certified-copies?agency="+agencyLD, http.Header{"Cookie": {ld}}, nil).want(t, "list", http.StatusOK, c.Code)
		s.do(t, "GET", "/api/v1/certified-copies?agency="+agencyLD, http.Header{"Cookie": {dl}}, nil).want(t, "list by Đắk Lắk", http.StatusForbidden)
		s.do(t, "GET", "/api/v1/certified-copies/"+c.Code, http.Header{"Cookie": {ld}}, nil).want(t, "get", http.StatusOK, `"applicant_id_number":"068190009999"`)

		// Public verification, without and with a file.
		v := s.do(t, "GET", "/api/v1/certified-copies/"+c.Code+"/verification", nil, nil).want(t, "verification", http.StatusOK, `"status":"authentic"`)
		if bytes.Contains(v.Body, []byte("068190009999")) || bytes.Contains(v.Body, []byte("tuphap.ld")) {
			t.Errorf("the public verification shows the identity number or the officer's login: %s", v.Body)
		}
		s.do(t, "POST", "/api/v1/certified-copies/"+c.Code+"/verification", http.Header{"Content-Type": {"application/pdf"}}, pdfAns.Body).
			want(t, "verification with the file", http.StatusOK, `"identical":true`, `"signature_valid":true`)
		tampered := bytes.Clone(pdfAns.Body)
		tampered[len(tampered)/2] ^= 1
		s.do(t, "POST", "/api/v1/certified-copies/"+c.Code+"/verification", http.Header{"Content-Type": {"application/pdf"}}, tampered).
			want(t, "verification with a tampered file", http.StatusOK, `"identical":false`, `"signature_valid":false`)
		s.do(t, "GET", "/api/v1/certified-copies/ZZZZZZZZZZZZ/verification", nil, nil).want(t, "unknown code", http.StatusOK, `"status":"unknown"`)

		// Pages: the public verdict, the file check, the officers' page.
		s.do(t, "GET", "/verify?code="+strings.ToLower(c.Code), nil, nil).want(t, "lookup redirect", http.StatusSeeOther)
		s.do(t, "GET", "/verify", nil, nil).want(t, "lookup page", http.StatusOK, `name="code"`)
		s.do(t, "GET", "/verify/"+c.Code, nil, nil).want(t, "verify page", http.StatusOK, "BẢN SAO HỢP LỆ", "Authentic copy", "Số chứng thực: 1/", `name="file"`)
		s.do(t, "GET", "/verify/ZZZZZZZZZZZZ", nil, nil).want(t, "unknown page", http.StatusOK, "KHÔNG TÌM THẤY BẢN SAO")
		fileBody, fileCT := multipartBody(t, nil, "file", pdfAns.Body)
		s.do(t, "POST", "/verify/"+c.Code, http.Header{"Content-Type": {fileCT}}, fileBody).want(t, "file check page", http.StatusOK, "TỆP TRÙNG KHỚP VỚI BẢN ĐÃ CẤP", "Chữ ký hợp lệ")
		s.do(t, "GET", "/certified-copies", http.Header{"Cookie": {ld}}, nil).want(t, "officers' page", http.StatusOK, c.Code, `enctype="multipart/form-data"`, "2.000 đồng")
		s.do(t, "GET", "/certified-copies", nil, nil).want(t, "officers' page anonymously", http.StatusSeeOther)

		// Issuing from the page needs the CSRF token.
		fields := map[string]string{"agency": agencyLD, "applicant_name": "Phạm Văn Bình", "applicant_id_number": "068190001111",
			"original_description": "Sổ hộ khẩu", "officer_title": "Phó Chủ tịch"}
		pageBody, pageCT := multipartBody(t, fields, "scan", scanImage(t, "png", 5))
		s.do(t, "POST", "/certified-copies", http.Header{"Cookie": {ld}, "Content-Type": {pageCT}}, pageBody).want(t, "page issue without CSRF", http.StatusForbidden)
		fields["csrf"] = csrfLD
		pageBody, pageCT = multipartBody(t, fields, "scan", scanImage(t, "png", 5))
		red := s.do(t, "POST", "/certified-copies", http.Header{"Cookie": {ld}, "Content-Type": {pageCT}}, pageBody).want(t, "page issue", http.StatusSeeOther)
		loc, _ := url.Parse(red.Header.Get("Location"))
		s.do(t, "GET", loc.String(), http.Header{"Cookie": {ld}}, nil).want(t, "after issue", http.StatusOK, "Số chứng thực: 2/", loc.Query().Get("issued"))

		// Revocation through the API, then the verdict.
		s.do(t, "POST", "/api/v1/certified-copies/"+c.Code+"/revocation", http.Header{"Cookie": {dl}, "Content-Type": {"application/json"}}, []byte(`{"reason":"x"}`)).want(t, "revoke by Đắk Lắk", http.StatusForbidden)
		s.do(t, "POST", "/api/v1/certified-copies/"+c.Code+"/revocation", http.Header{"Cookie": {ld}, "Content-Type": {"application/json"}}, []byte(`{"reason":"Cấp nhầm người yêu cầu"}`)).want(t, "revoke", http.StatusOK, `"revoke_reason":"Cấp nhầm người yêu cầu"`)
		s.do(t, "GET", "/verify/"+c.Code, nil, nil).want(t, "revoked page", http.StatusOK, "BẢN SAO ĐÃ BỊ THU HỒI", "Cấp nhầm người yêu cầu")
	})
}

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	keys := map[string][]string{}
	for _, lang := range web.Languages {
		b, err := fs.ReadFile(os.DirFS("."), "messages/"+lang+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if !strings.HasPrefix(k, "certcopy.") || strings.TrimSpace(v) == "" {
				t.Errorf("%s: key %q (value %q) must start with certcopy. and have text", lang, k, v)
			}
		}
		keys[lang] = slices.Sorted(maps.Keys(m))
	}
	if d := cmp.Diff(keys["vi"], keys["en"]); d != "" {
		t.Errorf("vi and en keys differ (-vi +en):\n%s", d)
	}
	// Every key a template uses is in the catalogue (prefixes like certcopy.problem. have keys).
	tmpls, _ := filepath.Glob("templates/*.html")
	keyRe := regexp.MustCompile(`\.T \(?(?:print )?"([a-z0-9_.]+)"`)
	for _, f := range tmpls {
		if !strings.HasPrefix(filepath.Base(f), "certcopy_") {
			t.Errorf("template %s is not prefixed certcopy_", f)
		}
		b, _ := os.ReadFile(f)
		for _, m := range keyRe.FindAllSubmatch(b, -1) {
			k := string(m[1])
			if !slices.ContainsFunc(keys["vi"], func(x string) bool { return x == k || strings.HasSuffix(k, ".") && strings.HasPrefix(x, k) }) {
				t.Errorf("%s uses %q, missing from the catalogue", f, k)
			}
		}
	}
}

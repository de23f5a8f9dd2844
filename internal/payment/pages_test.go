package payment

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/web"
)

var pagePeople = map[string]*auth.Principal{
	"citizen":     {Kind: auth.KindUser, ID: "citizen", ApplicantKind: auth.Citizen, CSRF: "csrf-citizen"},
	"officer.h36": {Kind: auth.KindUser, ID: "officer.h36", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}, CSRF: "csrf-o36"},
	"officer.h16": {Kind: auth.KindUser, ID: "officer.h16", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H16"}}, CSRF: "csrf-o16"},
	"finance":     {Kind: auth.KindUser, ID: "finance", Grants: []auth.Grant{{Role: auth.Officer, Agency: auth.Everywhere}}, CSRF: "csrf-fin"},
	"admin":       {Kind: auth.KindUser, ID: "admin", Grants: []auth.Grant{{Role: auth.Admin, Agency: auth.Everywhere}}, CSRF: "csrf-adm"},
}

// The administrators see the configured gateways with fingerprints, never the secrets.
func TestGatewaysPage(t *testing.T) {
	s := newSvc(t, dbtest.SQLite(t), nil)
	s.payURLs = map[string]string{"bank": "https://gw.example/pay"}
	srv := pageServer(t, s)
	code, body, _ := visit(t, "GET", srv.URL+"/payments/gateways", "admin", "", nil)
	if code != 200 || !strings.Contains(body, "hmac-sha512") || !strings.Contains(body, "rsa-sha256") || !strings.Contains(body, "https://gw.example/pay") {
		t.Fatalf("gateways page: %d\n%s", code, body)
	}
	if strings.Contains(body, "test-secret") {
		t.Fatal("the gateways page shows the shared secret")
	}
	if code, _, _ := visit(t, "GET", srv.URL+"/payments/gateways", "finance", "", nil); code != http.StatusForbidden {
		t.Fatalf("a finance officer saw the gateway configuration: %d", code)
	}
}

func pageServer(t *testing.T, s *Service) *httptest.Server {
	t.Helper()
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	rr := api.NewRouter(1 << 20)
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	h := &Handler{Payments: s, Pages: pages}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := pagePeople[r.Header.Get("X-Test-User")]; p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		rr.Mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func visit(t *testing.T, method, u, user, ctype string, body io.Reader) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	req.Header.Set("X-Test-User", user)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func postForm(t *testing.T, u, user string, v url.Values) (int, string, string) {
	return visit(t, "POST", u, user, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

func TestPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSvc(t, d, nil)
		s.payURLs = map[string]string{"bank": "https://gw.example/pay"}
		srv := pageServer(t, s)
		b, err := s.CreateBill(ctx, BillInput{DossierCode: "H36.99-261127-0009", AgencyCode: "000.00.00.H36", PayerName: "Nguyễn Văn A",
			PayerID: "citizen", Lines: []Line{{Kind: KindFee, Name: "Phí thẩm định", Amount: 150000}, {Kind: KindCharge, Name: "Lệ phí", Amount: 50000}}})
		if err != nil {
			t.Fatal(err)
		}

		// The citizen finds the bill on the receipts page, to pay.
		if code, body, _ := visit(t, "GET", srv.URL+"/payments/receipts", "citizen", "", nil); code != 200 ||
			!strings.Contains(body, "/payments/bills/"+b.Code) || !strings.Contains(body, "200.000") {
			t.Fatalf("receipts page before paying: %d\n%s", code, body)
		}

		// The citizen sees the bill with its lines and total, and pays; a double click is one payment.
		code, body, _ := visit(t, "GET", srv.URL+"/payments/bills/"+b.Code, "citizen", "", nil)
		if code != 200 || !strings.Contains(body, "200.000") || !strings.Contains(body, "Phí thẩm định") {
			t.Fatalf("bill page %d: %s", code, body)
		}
		if code, _, _ := postForm(t, srv.URL+"/payments/bills/"+b.Code, "citizen", url.Values{"gateway": {"bank"}, "key": {"k1"}}); code != http.StatusForbidden {
			t.Fatalf("pay without CSRF: %d", code)
		}
		form := url.Values{"csrf": {"csrf-citizen"}, "gateway": {"bank"}, "key": {"k1"}}
		code, _, loc := postForm(t, srv.URL+"/payments/bills/"+b.Code, "citizen", form)
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "https://gw.example/pay?") || !strings.Contains(loc, "sig=") {
			t.Fatalf("pay: %d %s", code, loc)
		}
		_, _, loc2 := postForm(t, srv.URL+"/payments/bills/"+b.Code, "citizen", form)
		if loc2 != loc {
			t.Fatalf("double click gave a second payment: %s / %s", loc, loc2)
		}
		u, _ := url.Parse(loc)
		pid := u.Query().Get("payment")
		if !VerifyRequest(bank, "bank", pid, 200000, "VND", u.Query().Get("return"), u.Query().Get("sig")) {
			t.Fatalf("redirect signature does not verify: %s", loc)
		}

		// Coming back (even claiming success) marks nothing paid: the page waits and refreshes.
		code, body, _ = visit(t, "GET", srv.URL+"/payments/return?payment="+pid+"&result=success", "", "", nil)
		if code != 200 || !strings.Contains(body, `http-equiv="refresh"`) {
			t.Fatalf("return page %d: %s", code, body)
		}
		if p, _ := s.Payment(ctx, pid); p.Status != Redirected {
			t.Fatalf("status after return: %s", p.Status)
		}
		if _, err := s.ApplyNotification(ctx, signed(t, bank, Notification{ID: "n1", PaymentID: pid, Amount: 200000, Currency: "VND", Outcome: "success"})); err != nil {
			t.Fatal(err)
		}
		_, body, _ = visit(t, "GET", srv.URL+"/payments/return?payment="+pid, "", "", nil)
		if strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, "/payments/receipts") {
			t.Fatalf("return page after the notification: %s", body)
		}
		_, body, _ = visit(t, "GET", srv.URL+"/payments/receipts", "citizen", "", nil)
		if !strings.Contains(body, "/api/v1/payment/payments/"+pid+"/receipt") {
			t.Fatalf("receipts page: %s", body)
		}
		_, body, _ = visit(t, "GET", srv.URL+"/payments/bills/"+b.Code, "citizen", "", nil)
		if strings.Contains(body, `name="gateway"`) {
			t.Fatal("a paid bill still offers to pay")
		}

		// Officers see the payments of their agencies only, and refund (once per form key).
		_, body, _ = visit(t, "GET", srv.URL+"/payments?status=succeeded", "officer.h36", "", nil)
		if !strings.Contains(body, pid) {
			t.Fatalf("officer list: %s", body)
		}
		if _, body, _ = visit(t, "GET", srv.URL+"/payments", "officer.h16", "", nil); strings.Contains(body, pid) {
			t.Fatal("another province's officer sees the payment")
		}
		if code, _, _ := postForm(t, srv.URL+"/payments/refund/"+pid, "officer.h16", url.Values{"csrf": {"csrf-o16"}, "amount": {"1000"}, "key": {"r"}}); code != http.StatusForbidden {
			t.Fatalf("refund by another province: %d", code)
		}
		refund := url.Values{"csrf": {"csrf-o36"}, "amount": {"50.000"}, "reason": {"nộp thừa"}, "key": {"r1"}}
		for i := 0; i < 2; i++ {
			if code, _, _ := postForm(t, srv.URL+"/payments/refund/"+pid, "officer.h36", refund); code != http.StatusSeeOther {
				t.Fatalf("refund: %d", code)
			}
		}
		if p, _ := s.Payment(ctx, pid); p.Refunded != 50000 {
			t.Fatalf("refunded %d, want 50000 once", p.Refunded)
		}
		if code, _, _ := postForm(t, srv.URL+"/payments/refund/"+pid, "officer.h36", url.Values{"csrf": {"csrf-o36"}, "amount": {"999999"}, "key": {"r2"}}); code != http.StatusBadRequest {
			t.Fatalf("refund too large: %d", code)
		}

		// Reconciliation: an uploaded statement with a payment unknown here opens one item; resolving closes it.
		if code, _, _ := visit(t, "GET", srv.URL+"/payments/reconciliation", "officer.h36", "", nil); code != http.StatusForbidden {
			t.Fatalf("worklist for a provincial officer: %d", code)
		}
		today := s.now().In(ict).Format("2006-01-02")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"csrf": "csrf-fin", "gateway": "bank", "from": today, "to": today} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("statement", "bank.csv")
		fw.Write([]byte("date,txn_ref,payment_id,amount,currency,status\n" +
			s.now().UTC().Format("2006-01-02T15:04:05Z") + ",T1," + pid + ",200000,VND,success\n" +
			s.now().UTC().Format("2006-01-02T15:04:05Z") + ",T9,Pghost,70000,VND,success\n"))
		mw.Close()
		code, _, loc = visit(t, "POST", srv.URL+"/payments/reconciliation/statement", "finance", mw.FormDataContentType(), &buf)
		if code != http.StatusSeeOther || !strings.Contains(loc, "opened=1") {
			t.Fatalf("statement: %d %s", code, loc)
		}
		_, body, _ = visit(t, "GET", srv.URL+"/payments/reconciliation", "finance", "", nil)
		if !strings.Contains(body, "Pghost") {
			t.Fatalf("worklist: %s", body)
		}
		items, _ := s.OpenItems(ctx)
		if len(items) != 1 {
			t.Fatalf("items %+v", items)
		}
		if code, _, _ := postForm(t, srv.URL+"/payments/reconciliation/resolve", "finance", url.Values{"csrf": {"csrf-fin"}, "id": {items[0].ID}, "resolution": {"gateway error, reversed"}}); code != http.StatusSeeOther {
			t.Fatalf("resolve: %d", code)
		}
		if items, _ := s.OpenItems(ctx); len(items) != 0 {
			t.Fatalf("still open: %+v", items)
		}
	})
}

// TestPageMessages checks the keys the pages build from values exist in both catalogues.
func TestPageMessages(t *testing.T) {
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := RegisterPages(r); err != nil {
		t.Fatal(err)
	}
	keys := []string{"payment.bill.title", "payment.return.title", "payment.receipts.title", "payment.list.title", "payment.recon.title",
		"payment.line_kind." + KindFee, "payment.line_kind." + KindCharge}
	for st := range transitions {
		keys = append(keys, "payment.state."+st)
	}
	for _, st := range []string{"open", "partly_paid", "paid", "cancelled", "expired"} {
		keys = append(keys, "payment.bill_status."+st)
	}
	for _, k := range []string{"missing_here", "missing_at_gateway", "amount_differs", "duplicate"} {
		keys = append(keys, "payment.recon.kind."+k)
	}
	for _, lang := range web.Languages {
		m := r.Messages(lang)
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s is missing from the %s catalogue", k, lang)
			}
		}
	}
}

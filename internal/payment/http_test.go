package payment

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/signature"
)

// callers are the 8 callers of the server's access table, in its order.
var callers = []*auth.Principal{
	nil,
	{Kind: auth.KindUser, ID: "admin.all", Grants: []auth.Grant{{Role: auth.Admin, Agency: "*"}}},
	{Kind: auth.KindUser, ID: "admin.h36", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H36"}}},
	{Kind: auth.KindUser, ID: "admin.h16", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H16"}}},
	{Kind: auth.KindUser, ID: "clerk.h36", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}},
	{Kind: auth.KindUser, ID: "viewer.g22", Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.G22"}}},
	{Kind: auth.KindClient, ID: "client", Agency: "000.00.00.H36"},
	{Kind: auth.KindUser, ID: "citizen", ApplicantKind: auth.Citizen},
}

func TestAccess(t *testing.T) {
	key, err := signature.EnsureLocalSigner(t.TempDir(), "UBND tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSvc(t, d, nil)
		b := bill(t, s)
		paid, _ := s.CreatePayment(ctx, b.Code, "bank", "acc")
		if _, err := s.ApplyNotification(ctx, signed(t, bank, Notification{ID: "acc", PaymentID: paid.ID, Amount: paid.Amount, Currency: "VND", Outcome: "success"})); err != nil {
			t.Fatal(err)
		}
		open := bill(t, s)
		h := &Handler{Payments: s, Signer: func(context.Context, string) (signature.Signer, error) { return key, nil }}
		rr := api.NewRouter(1 << 20)
		rr.Handle(h.Routes()...)
		var who *auth.Principal
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if who != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), who))
			}
			rr.Mux.ServeHTTP(w, r)
		}))
		defer srv.Close()
		bad := `{"gateway":"bank","notification_id":"x","payment_id":"` + paid.ID + `","amount":200000,"currency":"VND","outcome":"success","signature":"00"}`
		cases := []struct {
			method, path, body string
			want               [8]int
		}{
			{"POST", "/api/v1/payment/bills", `{"agency_code":"000.00.00.H36","payer_name":"A","lines":[{"kind":"le_phi","name":"x","amount":1000}]}`, [8]int{401, 201, 201, 403, 201, 403, 201, 403}},
			{"GET", "/api/v1/payment/bills/" + b.Code, "", [8]int{401, 200, 200, 403, 200, 403, 200, 200}},
			{"POST", "/api/v1/payment/bills/" + open.Code + "/payments?gateway=bank", "", [8]int{401, 201, 201, 403, 201, 403, 201, 201}},
			{"POST", "/api/v1/payment/notifications", bad, [8]int{401, 401, 401, 401, 401, 401, 401, 401}},
			{"POST", "/api/v1/payment/payments/" + paid.ID + "/refunds", `{"amount":1}`, [8]int{401, 200, 200, 403, 403, 403, 403, 403}},
			{"GET", "/api/v1/payment/payments/" + paid.ID + "/receipt", "", [8]int{401, 200, 200, 403, 200, 403, 200, 200}},
			{"GET", "/api/v1/payment/figures", "", [8]int{401, 200, 200, 200, 200, 200, 200, 403}},
			{"GET", "/api/v1/payment/reconciliation", "", [8]int{401, 200, 403, 403, 403, 403, 403, 403}},
		}
		for _, c := range cases {
			for i, p := range callers {
				who = p
				req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprint("k-", i, c.path))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.want[i] {
					t.Errorf("%s %s as caller %d: %d, want %d", c.method, c.path, i, resp.StatusCode, c.want[i])
				}
			}
		}
	})
}

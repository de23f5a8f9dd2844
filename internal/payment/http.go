package payment

import (
	"net/http"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// Handler serves the payment API.
type Handler struct {
	Payments *Service
	// Signer gives the collecting agency's receipt key (the server passes signers.For).
	Signer SignerFunc
	// Pages renders the pages (PageRoutes).
	Pages *web.Renderer
}

// RefundRequest asks for part or all of a payment back.
type RefundRequest struct {
	Amount int64  `json:"amount"`
	Reason string `json:"reason"`
}

// Routes returns the payment API.
func (h *Handler) Routes() []api.Route {
	return []api.Route{
		{Method: "POST", Path: "/api/v1/payment/bills", Summary: "Issue a bill (fee lines phí/lệ phí in VND) for a dossier of the caller's agency; the answer holds MaTraCuuTT",
			Tag: "payment", Access: api.AnyPrincipal, Handler: h.apiCreateBill, Request: BillInput{}, Response: Bill{}},
		{Method: "GET", Path: "/api/v1/payment/bills/{code}", Summary: "A bill with its amount paid and status (its agency's staff and systems, and the payer who holds the code)",
			Tag: "payment", Access: api.SignedIn, Handler: h.apiBill, Response: Bill{}},
		{Method: "POST", Path: "/api/v1/payment/bills/{code}/payments", Summary: "Start paying a bill through a gateway (?gateway=); Idempotency-Key required, so a double click makes one payment; the answer's redirect_url is the gateway's pay page",
			Tag: "payment", Access: api.SignedIn, Handler: h.apiPay, Response: Payment{}, Query: map[string]string{"gateway": "gateway id, such as bank or inter"}},
		{Method: "POST", Path: "/api/v1/payment/notifications", Summary: "Gateways: signed server-to-server notification, verified, de-duplicated by notification id and applied once",
			Tag: "payment", Access: api.Public, Handler: h.apiNotify, Request: Notification{}, Response: Result{}},
		{Method: "POST", Path: "/api/v1/payment/payments/{id}/refunds", Summary: "Refund part or all of a succeeded payment (officers of the bill's agency); Idempotency-Key required",
			Tag: "payment", Access: api.OfficersOnly, Handler: h.apiRefund, Request: RefundRequest{}, Response: Payment{}},
		{Method: "GET", Path: "/api/v1/payment/payments/{id}/receipt", Summary: "The signed receipt (biên lai điện tử, PDF) of a succeeded payment, issued on first request with the agency's next number",
			Tag: "payment", Access: api.SignedIn, Handler: h.apiReceipt, ResponseType: "application/pdf"},
		{Method: "GET", Path: "/api/v1/payment/figures", Summary: "Scorecard: number and value (VND) of successful payments per province and month",
			Tag: "payment", Access: api.AnyPrincipal, Handler: h.apiFigures, Response: []Monthly{}},
		{Method: "GET", Path: "/api/v1/payment/reconciliation", Summary: "Open reconciliation items (mismatches with gateway statements), earliest deadline first (administrators)",
			Tag: "payment", Access: api.AdminsOnly, Handler: h.apiReconItems, Response: []ReconItem{}},
	}
}

func (h *Handler) apiReceipt(w http.ResponseWriter, r *http.Request) error {
	pay, err := h.Payments.Payment(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := h.Payments.Bill(r.Context(), pay.BillCode)
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if !p.IsApplicant() && !mayManage(p, b.AgencyCode) && !p.Can(auth.Viewer, b.AgencyCode) {
		return errs.New(errs.Forbidden, "not a payment of your agency")
	}
	if h.Signer == nil {
		return errs.New(errs.Unavailable, "receipts are not configured")
	}
	rc, err := h.Payments.IssueReceipt(r.Context(), pay.ID, h.Signer)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="bien-lai-`+strings.ReplaceAll(rc.Label, "/", "-")+`.pdf"`)
	w.Write(rc.PDF)
	return nil
}

func (h *Handler) apiFigures(w http.ResponseWriter, r *http.Request) error {
	m, err := h.Payments.MonthlyFigures(r.Context())
	if err != nil {
		return err
	}
	if m == nil {
		m = []Monthly{}
	}
	api.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) apiReconItems(w http.ResponseWriter, r *http.Request) error {
	// The items carry no agency yet, so only administrators of all agencies see them.
	if !auth.FromContext(r.Context()).Can(auth.Admin, "*") {
		return errs.New(errs.Forbidden, "the reconciliation worklist is for administrators of all agencies")
	}
	items, err := h.Payments.OpenItems(r.Context())
	if err != nil {
		return err
	}
	if items == nil {
		items = []ReconItem{}
	}
	api.WriteJSON(w, http.StatusOK, items)
	return nil
}

// mayManage: staff (clerk or above) of the agency, or its machine client.
func mayManage(p *auth.Principal, agency string) bool {
	return p.ActsFor(agency) || p.Can(auth.Clerk, agency) || p.Can(auth.Officer, agency)
}

func (h *Handler) apiCreateBill(w http.ResponseWriter, r *http.Request) error {
	var in BillInput
	if err := api.DecodeJSON(r, &in); err != nil {
		return err
	}
	if !mayManage(auth.FromContext(r.Context()), in.AgencyCode) {
		return errs.New(errs.Forbidden, "you may not issue bills for agency %s", in.AgencyCode)
	}
	b, err := h.Payments.CreateBill(r.Context(), in)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, b)
	return nil
}

func (h *Handler) apiBill(w http.ResponseWriter, r *http.Request) error {
	b, err := h.Payments.Bill(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	// Applicants reach a bill by its unguessable code; staff only within their agency subtree.
	if !p.IsApplicant() && !mayManage(p, b.AgencyCode) && !p.Can(auth.Viewer, b.AgencyCode) {
		return errs.New(errs.Forbidden, "not a bill of your agency")
	}
	api.WriteJSON(w, http.StatusOK, b)
	return nil
}

func (h *Handler) apiPay(w http.ResponseWriter, r *http.Request) error {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	b, err := h.Payments.Bill(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if !p.IsApplicant() && !mayManage(p, b.AgencyCode) {
		return errs.New(errs.Forbidden, "not a bill of your agency")
	}
	pay, err := h.Payments.CreatePayment(r.Context(), b.Code, r.URL.Query().Get("gateway"), key)
	if err != nil {
		return err
	}
	// Without a configured pay page the payment is still created (redirect_url stays empty).
	if h.Payments.payURLs[pay.Gateway] != "" {
		if pay, err = h.Payments.Redirect(r.Context(), pay, returnURL(r)); err != nil {
			return err
		}
	}
	api.WriteJSON(w, http.StatusCreated, pay)
	return nil
}

func (h *Handler) apiNotify(w http.ResponseWriter, r *http.Request) error {
	var n Notification
	if err := api.DecodeJSON(r, &n); err != nil {
		return err
	}
	res, err := h.Payments.ApplyNotification(r.Context(), n)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (h *Handler) apiRefund(w http.ResponseWriter, r *http.Request) error {
	var in RefundRequest
	if err := api.DecodeJSON(r, &in); err != nil {
		return err
	}
	pay, err := h.Payments.Payment(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := h.Payments.Bill(r.Context(), pay.BillCode)
	if err != nil {
		return err
	}
	if !auth.FromContext(r.Context()).Can(auth.Officer, b.AgencyCode) {
		return errs.New(errs.Forbidden, "only officers of %s may refund", b.AgencyCode)
	}
	out, err := h.Payments.Refund(r.Context(), pay.ID, in.Amount, in.Reason, strings.TrimSpace(r.Header.Get("Idempotency-Key")))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// returnURL is the platform's own return page, on the host the request came to.
func returnURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/payments/return"
}

package payment

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

//go:embed templates messages
var files embed.FS

// RegisterPages adds the payment pages and their messages to the renderer.
func RegisterPages(r *web.Renderer) error {
	if err := r.Add(files, "templates/*.html"); err != nil {
		return err
	}
	return r.AddMessages(files, "messages")
}

// PageRoutes returns the citizen's pages (pay a bill, the return page, receipts) and the finance
// officers' pages (payments with refunds, the reconciliation worklist).
func (h *Handler) PageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/payments/bills/{code}", Page: true, Access: api.SignedIn, Handler: h.pageBill},
		{Method: "POST", Path: "/payments/bills/{code}", Page: true, Access: api.SignedIn, Handler: h.pagePay},
		// The payer comes back from another site, where a strict session cookie is not sent: the page
		// shows only the state of the payment named by its unguessable id.
		{Method: "GET", Path: "/payments/return", Page: true, Access: api.Public, Handler: h.pageReturn},
		{Method: "GET", Path: "/payments/receipts", Page: true, Access: api.SignedIn, Handler: h.pageReceipts},
		{Method: "GET", Path: "/payments", Page: true, Access: api.OfficersOnly, Handler: h.pageList},
		{Method: "POST", Path: "/payments/refund/{id}", Page: true, Access: api.OfficersOnly, Handler: h.pageRefund},
		{Method: "GET", Path: "/payments/reconciliation", Page: true, Access: api.OfficersOnly, Handler: h.pageRecon},
		{Method: "POST", Path: "/payments/reconciliation/resolve", Page: true, Access: api.OfficersOnly, Handler: h.pageResolve},
		{Method: "POST", Path: "/payments/reconciliation/statement", Page: true, Access: api.OfficersOnly, Handler: h.pageStatement},
		{Method: "GET", Path: "/payments/gateways", Page: true, Access: api.OfficersOnly, Handler: h.pageGateways},
	}
}

func newKey() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// BillView is the view of the bill page.
type BillView struct {
	Bill     Bill
	Gateways []string
	Key      string
	Payable  bool
	Problem  *errs.Error
}

func (h *Handler) billFor(r *http.Request) (Bill, error) {
	b, err := h.Payments.Bill(r.Context(), r.PathValue("code"))
	if err != nil {
		return Bill{}, err
	}
	p := auth.FromContext(r.Context())
	if !p.IsApplicant() && !mayManage(p, b.AgencyCode) && !p.Can(auth.Viewer, b.AgencyCode) {
		return Bill{}, errs.New(errs.Forbidden, "not a bill of your agency")
	}
	return b, nil
}

func (h *Handler) billView(b Bill, problem *errs.Error) BillView {
	return BillView{Bill: b, Gateways: h.Payments.Gateways(), Key: newKey(), Problem: problem,
		Payable: (b.Status == "open" || b.Status == "partly_paid") && h.Payments.now().Before(b.ExpiresAt)}
}

func (h *Handler) pageBill(w http.ResponseWriter, r *http.Request) error {
	b, err := h.billFor(r)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "payment_bill", "payment.bill.title", h.billView(b, nil))
}

// pagePay creates the payment (the form's key makes a double click one payment) and sends the
// payer to the gateway.
func (h *Handler) pagePay(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	b, err := h.billFor(r)
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if !p.IsApplicant() && !mayManage(p, b.AgencyCode) {
		return errs.New(errs.Forbidden, "not a bill of your agency")
	}
	pay, err := h.Payments.CreatePayment(r.Context(), b.Code, r.PostFormValue("gateway"), r.PostFormValue("key"))
	if err == nil {
		pay, err = h.Payments.Redirect(r.Context(), pay, returnURL(r))
	}
	if err != nil {
		if e := errs.As(err); e.Code == errs.Invalid || e.Code == errs.Conflict || e.Code == errs.Unavailable {
			return h.Pages.Render(w, r, api.Status(err), "payment_bill", "payment.bill.title", h.billView(b, e))
		}
		return err
	}
	http.Redirect(w, r, pay.RedirectURL, http.StatusSeeOther)
	return nil
}

// ReturnView is the view of the page the gateway sends the payer back to.
type ReturnView struct {
	Payment Payment
	Final   bool
}

func (h *Handler) pageReturn(w http.ResponseWriter, r *http.Request) error {
	pay, err := h.Payments.Payment(r.Context(), r.URL.Query().Get("payment"))
	if err != nil {
		return err
	}
	// The gateway's "result" parameter is ignored on purpose: only its signed notification counts.
	v := ReturnView{Payment: pay, Final: pay.Status != Created && pay.Status != Redirected && pay.Status != Pending}
	return h.Pages.Render(w, r, http.StatusOK, "payment_return", "payment.return.title", v)
}

// ListView is the view of the receipts and payments lists.
type ListView struct {
	Rows []Row
	// ToPay are the signed-in payer's unpaid bills (receipts page).
	ToPay    []Bill
	Status   string
	Statuses []string
	Key      string
	Done     string
}

func (h *Handler) pageReceipts(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	rows, err := h.Payments.List(r.Context(), ListFilter{Payer: p.ID, Keep: func(string) bool { return true }})
	if err != nil {
		return err
	}
	var paid []Row
	for _, row := range rows {
		if row.Status == Succeeded || row.Status == Refunded || row.Status == Disputed {
			paid = append(paid, row)
		}
	}
	toPay, err := h.Payments.BillsToPay(r.Context(), p.ID)
	if err != nil {
		return err
	}
	return h.Pages.Render(w, r, http.StatusOK, "payment_receipts", "payment.receipts.title", ListView{Rows: paid, ToPay: toPay})
}

var listStatuses = []string{Created, Redirected, Pending, Succeeded, Failed, Cancelled, Expired, Refunded, Disputed}

func (h *Handler) pageList(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	st := r.URL.Query().Get("status")
	if st != "" && transitions[st] == nil {
		return errs.Reasonf(errs.Invalid, "bad_status", "unknown payment state %q", st)
	}
	rows, err := h.Payments.List(r.Context(), ListFilter{Status: st, Keep: func(a string) bool { return p.Can(auth.Officer, a) }})
	if err != nil {
		return err
	}
	v := ListView{Rows: rows, Status: st, Statuses: listStatuses, Key: newKey(), Done: r.URL.Query().Get("done")}
	return h.Pages.Render(w, r, http.StatusOK, "payment_list", "payment.list.title", v)
}

func (h *Handler) pageRefund(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
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
	amount, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("amount")), ".", ""), 10, 64)
	if err != nil {
		return errs.Reasonf(errs.Invalid, "bad_refund", "the refund amount must be a whole number of VND")
	}
	if _, err := h.Payments.Refund(r.Context(), pay.ID, amount, r.PostFormValue("reason"), r.PostFormValue("key")); err != nil {
		return err
	}
	http.Redirect(w, r, "/payments?done=refund", http.StatusSeeOther)
	return nil
}

// ReconView is the view of the reconciliation worklist.
type ReconView struct {
	Items    []ReconItem
	Gateways []string
	Opened   string
	Done     string
}

// mayReconcile: the worklist items carry no agency, so the page is for finance officers (or
// administrators) of all agencies, like the API.
func mayReconcile(r *http.Request) error {
	if !auth.FromContext(r.Context()).Can(auth.Officer, auth.Everywhere) {
		return errs.New(errs.Forbidden, "the reconciliation worklist is for finance officers of all agencies")
	}
	return nil
}

func (h *Handler) pageRecon(w http.ResponseWriter, r *http.Request) error {
	if err := mayReconcile(r); err != nil {
		return err
	}
	items, err := h.Payments.OpenItems(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	return h.Pages.Render(w, r, http.StatusOK, "payment_recon", "payment.recon.title",
		ReconView{Items: items, Gateways: h.Payments.Gateways(), Opened: q.Get("opened"), Done: q.Get("done")})
}

func (h *Handler) pageResolve(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	if err := mayReconcile(r); err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if err := h.Payments.Resolve(r.Context(), r.PostFormValue("id"), p.Actor(), strings.TrimSpace(r.PostFormValue("resolution"))); err != nil {
		return err
	}
	http.Redirect(w, r, "/payments/reconciliation?done=resolve", http.StatusSeeOther)
	return nil
}

// pageStatement reconciles an uploaded statement CSV over the days it names (from and to, ICT
// dates, both included).
func (h *Handler) pageStatement(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read: %v", err)
	}
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	if err := mayReconcile(r); err != nil {
		return err
	}
	gw := r.PostFormValue("gateway")
	if _, ok := h.Payments.gateways[gw]; !ok && gw != TreasuryGateway {
		return errs.Reasonf(errs.Invalid, "unknown_gateway", "unknown gateway %q", gw)
	}
	from, err1 := time.ParseInLocation(time.DateOnly, r.PostFormValue("from"), ict)
	to, err2 := time.ParseInLocation(time.DateOnly, r.PostFormValue("to"), ict)
	if err1 != nil || err2 != nil || to.Before(from) {
		return errs.Reasonf(errs.Invalid, "bad_window", "give the statement's first and last day (from ≤ to)")
	}
	f, _, err := r.FormFile("statement")
	if err != nil {
		return errs.Reasonf(errs.Invalid, "statement", "choose the statement CSV file")
	}
	defer f.Close()
	var opened []ReconItem
	if gw == TreasuryGateway {
		// The State Treasury's credit lines of the collecting account.
		lines, err := ParseCreditLines(f)
		if err != nil {
			return err
		}
		if opened, err = h.Payments.ReconcileTreasury(r.Context(), lines, from, to.AddDate(0, 0, 1), h.Payments.owner); err != nil {
			return err
		}
	} else {
		rows, err := ParseStatement(f)
		if err != nil {
			return err
		}
		if opened, err = h.Payments.Reconcile(r.Context(), gw, rows, from, to.AddDate(0, 0, 1), h.Payments.owner); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/payments/reconciliation?opened="+url.QueryEscape(strconv.Itoa(len(opened))), http.StatusSeeOther)
	return nil
}

// VND writes an amount as 1.500.000 (the views' helper for templates).
func (BillView) VND(v int64) string   { return groupVND(v) }
func (ReturnView) VND(v int64) string { return groupVND(v) }
func (ListView) VND(v int64) string   { return groupVND(v) }
func (ReconView) VND(v int64) string  { return groupVND(v) }

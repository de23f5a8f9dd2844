// Package gatewaysim is a payment gateway simulator: a page where the payer approves or declines,
// a redirect back to the platform, and the signed server-to-server notification POSTed until the
// platform acknowledges it. Switches delay, repeat, reorder and drop notifications, and the
// statement CSV can carry injected mismatches for reconciliation tests.
package gatewaysim

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/lienthong/lienthong/internal/payment"
)

// Switches change how notifications are delivered.
type Switches struct {
	Delay   time.Duration // wait before the first attempt
	Repeat  int           // send each acknowledged notification this many extra times
	Reorder bool          // hold notifications in pairs and send the second first
	Drop    int           // drop (do not send) the first Drop attempts of each notification
}

// Row is one statement line.
type Row struct {
	Date      time.Time
	TxnRef    string
	PaymentID string
	Amount    int64
	Currency  string
	Status    string
}

// Sim is one simulated gateway.
type Sim struct {
	Gateway   payment.Gateway
	NotifyURL string
	Switches  Switches
	Client    *http.Client
	Retry     time.Duration // pause between attempts (default 200ms)

	mu       sync.Mutex
	seq      int
	rows     []Row
	held     []payment.Notification
	acked    map[string]int // notification id → acknowledgements
	inflight sync.WaitGroup
	stop     chan struct{}
}

// New returns a simulator that signs with g and notifies notifyURL.
func New(g payment.Gateway, notifyURL string, sw Switches) *Sim {
	return &Sim{Gateway: g, NotifyURL: notifyURL, Switches: sw, Client: &http.Client{Timeout: 10 * time.Second},
		Retry: 200 * time.Millisecond, acked: map[string]int{}, stop: make(chan struct{})}
}

// Handler serves the payment page, the decision, and the statement.
func (s *Sim) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /pay", s.page)
	m.HandleFunc("POST /pay", s.decide)
	m.HandleFunc("GET /statement.csv", s.statement)
	m.HandleFunc("POST /inject", s.inject)
	return m
}

var pageTmpl = template.Must(template.New("p").Parse(`<!doctype html><html lang="vi"><meta charset="utf-8">
<title>Cổng thanh toán mô phỏng</title><h1>Thanh toán {{.Amount}} {{.Currency}}</h1><p>Mã giao dịch: {{.Payment}}</p>
<form method="post" action="/pay"><input type="hidden" name="payment" value="{{.Payment}}">
<input type="hidden" name="amount" value="{{.Amount}}"><input type="hidden" name="currency" value="{{.Currency}}">
<input type="hidden" name="return" value="{{.Return}}">
<button name="decision" value="approve">Đồng ý thanh toán</button> <button name="decision" value="decline">Từ chối</button></form>`))

func (s *Sim) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cur := q.Get("currency")
	if cur == "" {
		cur = "VND"
	}
	amount, err := strconv.ParseInt(q.Get("amount"), 10, 64)
	if err != nil || q.Get("payment") == "" {
		http.Error(w, "payment and amount required", http.StatusBadRequest)
		return
	}
	// A bank-style gateway only accepts a redirect the platform signed with the shared secret.
	if rs, ok := s.Gateway.(payment.RequestSigner); ok && !payment.VerifyRequest(rs, s.Gateway.Name(),
		q.Get("payment"), amount, cur, q.Get("return"), q.Get("sig")) {
		http.Error(w, "the payment request signature does not verify", http.StatusForbidden)
		return
	}
	pageTmpl.Execute(w, map[string]string{"Payment": q.Get("payment"), "Amount": q.Get("amount"), "Currency": cur, "Return": q.Get("return")})
}

func (s *Sim) decide(w http.ResponseWriter, r *http.Request) {
	amount, err := strconv.ParseInt(r.FormValue("amount"), 10, 64)
	if err != nil || r.FormValue("payment") == "" {
		http.Error(w, "payment and amount required", http.StatusBadRequest)
		return
	}
	ok := r.FormValue("decision") == "approve"
	n := s.Decide(r.FormValue("payment"), amount, r.FormValue("currency"), ok)
	if ret := r.FormValue("return"); ret != "" {
		u, err := url.Parse(ret)
		if err == nil {
			q := u.Query()
			q.Set("payment", n.PaymentID)
			q.Set("result", n.Outcome) // informative only: the platform waits for the notification
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
	}
	fmt.Fprintf(w, "%s\n", n.Outcome)
}

// Decide records the payer's decision and starts delivering the signed notification.
func (s *Sim) Decide(paymentID string, amount int64, currency string, approve bool) payment.Notification {
	if currency == "" {
		currency = "VND"
	}
	s.mu.Lock()
	s.seq++
	n := payment.Notification{Gateway: s.Gateway.Name(), ID: fmt.Sprintf("%s-N%06d", s.Gateway.Name(), s.seq),
		PaymentID: paymentID, Amount: amount, Currency: currency, Outcome: "failed",
		TxnRef: fmt.Sprintf("%s-T%06d", s.Gateway.Name(), s.seq)}
	if approve {
		n.Outcome = "success"
		s.rows = append(s.rows, Row{Date: time.Now().UTC(), TxnRef: n.TxnRef, PaymentID: paymentID, Amount: amount, Currency: currency, Status: "success"})
	}
	n.Signature, _ = s.Gateway.Sign(n)
	var send []payment.Notification
	if s.Switches.Reorder {
		s.held = append(s.held, n)
		if len(s.held) == 2 {
			send = []payment.Notification{s.held[1], s.held[0]}
			s.held = nil
		}
	} else {
		send = []payment.Notification{n}
	}
	s.mu.Unlock()
	for _, m := range send {
		s.inflight.Add(1)
		go s.deliver(m)
	}
	return n
}

// Flush sends notifications held back by the reorder switch.
func (s *Sim) Flush() {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for i := len(held) - 1; i >= 0; i-- {
		s.inflight.Add(1)
		go s.deliver(held[i])
	}
}

// Wait blocks until every notification under way is acknowledged (or refused).
func (s *Sim) Wait() { s.inflight.Wait() }

// Close stops retrying.
func (s *Sim) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
}

// Acks returns how many times the platform acknowledged notification id.
func (s *Sim) Acks(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acked[id]
}

// deliver POSTs until the platform answers 2xx (acknowledged) or 4xx (refused: retrying cannot
// help), then sends the Repeat extra copies.
func (s *Sim) deliver(n payment.Notification) {
	defer s.inflight.Done()
	body, _ := json.Marshal(n)
	wait := s.Switches.Delay
	for attempt, sent := 0, 0; sent <= s.Switches.Repeat; attempt++ {
		select {
		case <-s.stop:
			return
		case <-time.After(wait):
		}
		wait = s.Retry
		if attempt < s.Switches.Drop {
			continue
		}
		resp, err := s.Client.Post(s.NotifyURL, "application/json", bytes.NewReader(body))
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			continue
		}
		if resp.StatusCode < 300 {
			s.mu.Lock()
			s.acked[n.ID]++
			s.mu.Unlock()
		} else if resp.StatusCode >= 400 {
			return
		}
		sent++
	}
}

// Inject adds a statement row that the platform does not know of (or with a wrong amount), for
// reconciliation tests.
func (s *Sim) Inject(r Row) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Date.IsZero() {
		r.Date = time.Now().UTC()
	}
	s.rows = append(s.rows, r)
}

// inject is the test switch over HTTP: POST /inject with payment, amount (and optionally txn_ref,
// currency, status) adds a statement row, so a separate simulator process can carry mismatches.
func (s *Sim) inject(w http.ResponseWriter, r *http.Request) {
	amount, err := strconv.ParseInt(r.FormValue("amount"), 10, 64)
	if err != nil || r.FormValue("payment") == "" {
		http.Error(w, "payment and amount required", http.StatusBadRequest)
		return
	}
	row := Row{PaymentID: r.FormValue("payment"), Amount: amount, TxnRef: r.FormValue("txn_ref"),
		Currency: r.FormValue("currency"), Status: r.FormValue("status")}
	if row.Currency == "" {
		row.Currency = "VND"
	}
	if row.Status == "" {
		row.Status = "success"
	}
	if row.TxnRef == "" {
		s.mu.Lock()
		s.seq++
		row.TxnRef = fmt.Sprintf("%s-T%06d", s.Gateway.Name(), s.seq)
		s.mu.Unlock()
	}
	s.Inject(row)
	w.WriteHeader(http.StatusNoContent)
}

// Statement returns the statement rows.
func (s *Sim) Statement() []Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Row(nil), s.rows...)
}

// statement serves the CSV: date,txn_ref,payment_id,amount,currency,status.
func (s *Sim) statement(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	c := csv.NewWriter(w)
	c.Write([]string{"date", "txn_ref", "payment_id", "amount", "currency", "status"})
	for _, row := range s.Statement() {
		c.Write([]string{row.Date.Format(time.RFC3339), row.TxnRef, row.PaymentID, strconv.FormatInt(row.Amount, 10), row.Currency, row.Status})
	}
	c.Flush()
}

// Run serves on addr until ctx ends.
func (s *Sim) Run(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); s.Close(); srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

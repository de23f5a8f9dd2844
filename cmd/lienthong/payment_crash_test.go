package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/axis/axisclient"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/gatewaysim"
	"github.com/lienthong/lienthong/internal/payment"
)

// TestPaymentCrash kills the node (SIGKILL) in the middle of a stream of notifications from the
// bank simulator, which repeats each one; after the restart and the simulator's retries every
// payment has succeeded, every bill is paid exactly once, and the monthly figures count each
// payment once.
func TestPaymentCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test builds the binary and kills a node: skipped with -short")
	}
	bin := buildLienthong(t)
	t.Run("sqlite", func(t *testing.T) { testPaymentCrash(t, bin, nil) })
	t.Run("postgres", func(t *testing.T) { testPaymentCrash(t, bin, []string{"--db", dbtest.PostgresURL(t)}) })
}

func testPaymentCrash(t *testing.T, bin string, dbArgs []string) {
	const secret, bills, amount = "crash-test-bank-secret", 200, 50000
	dbArgs = append([]string{"--data", t.TempDir(), "--payment-bank-secret", secret}, dbArgs...)
	node := startProcessNode(t, bin, freeAddr(t), dbArgs)
	cl := createClientProcess(t, bin, dbArgs, "000.00.00.H36")
	token, err := axisclient.New(node.url, cl.ClientID, cl.ClientSecret, newHTTPClient()).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, key string, in, out any) int {
		t.Helper()
		body, _ := json.Marshal(in)
		req, _ := http.NewRequest(method, node.url+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		if out != nil {
			json.NewDecoder(res.Body).Decode(out)
		}
		return res.StatusCode
	}

	// The bills and their payments, made before the stream starts.
	var payments []payment.Payment
	billOf := map[string]string{}
	for i := range bills {
		var b payment.Bill
		if code := call("POST", "/api/v1/payment/bills", "", payment.BillInput{AgencyCode: "000.00.00.H36", PayerName: fmt.Sprintf("Người nộp %d", i),
			Lines: []payment.Line{{Kind: "le_phi", Name: "Lệ phí", Amount: amount}}}, &b); code != http.StatusCreated {
			t.Fatalf("bill %d: status %d", i, code)
		}
		var p payment.Payment
		if code := call("POST", "/api/v1/payment/bills/"+b.Code+"/payments?gateway=bank", fmt.Sprintf("pay-%d", i), nil, &p); code != http.StatusCreated {
			t.Fatalf("payment %d: status %d", i, code)
		}
		payments = append(payments, p)
		billOf[p.ID] = b.Code
	}

	// The bank approves them all; each notification is sent twice; the node dies under the stream.
	sim := gatewaysim.New(payment.HMACGateway{ID: "bank", Secret: []byte(secret)}, node.url+"/api/v1/payment/notifications",
		gatewaysim.Switches{Repeat: 1})
	sim.Retry = 50 * time.Millisecond
	defer sim.Close()
	var decided atomic.Int64
	go func() {
		for _, p := range payments {
			sim.Decide(p.ID, p.Amount, "VND", true)
			decided.Add(1)
			time.Sleep(time.Millisecond)
		}
	}()
	for decided.Load() < bills/3 {
		time.Sleep(2 * time.Millisecond)
	}
	node.kill()
	t.Logf("SIGKILL after %d of %d payments were decided at the bank", decided.Load(), bills)
	time.Sleep(300 * time.Millisecond)
	node.start()
	for decided.Load() < bills {
		time.Sleep(10 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { sim.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("the simulator's notifications were not all acknowledged within 90 s of the restart")
	}

	for _, p := range payments {
		var b payment.Bill
		if code := call("GET", "/api/v1/payment/bills/"+billOf[p.ID], "", nil, &b); code != http.StatusOK {
			t.Fatalf("bill %s: status %d", billOf[p.ID], code)
		}
		if b.Paid != amount || b.Status != "paid" {
			t.Errorf("bill %s after the crash: paid %d, status %s; want %d once, paid", b.Code, b.Paid, b.Status, amount)
		}
	}
	var figures []payment.Monthly
	if code := call("GET", "/api/v1/payment/figures", "", nil, &figures); code != http.StatusOK {
		t.Fatalf("figures: status %d", code)
	}
	var count, value int64
	for _, f := range figures {
		count, value = count+f.Payments, value+f.Value
	}
	if count != bills || value != bills*amount {
		t.Errorf("figures after the crash: %d payments worth %d; want %d worth %d (each counted once)", count, value, bills, bills*amount)
	}
}

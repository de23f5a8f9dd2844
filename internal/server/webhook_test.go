package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
)

// TestWebhookRetriesAndSigns registers a webhook whose receiver fails once, and checks that the
// delivery is retried, arrives signed, and that a forged signature would not verify.
func TestWebhookRetriesAndSigns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := federationNode(t, nil)
	srv := httptest.NewServer(n.Handler)
	defer srv.Close()
	stop := n.Start(ctx)
	defer stop()
	sender := newAPIClient(t, n, srv.URL, "000.00.00.H36", true)
	recipient := newAPIClient(t, n, srv.URL, "000.00.00.H16", true)

	var calls atomic.Int32
	got := make(chan axis.WebhookEvent, 1)
	var secret atomic.Value
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if !axis.VerifyWebhook(secret.Load().(string), r.Header.Get(axis.SignatureHeader), body, time.Minute) {
			t.Errorf("bad webhook signature %q", r.Header.Get(axis.SignatureHeader))
		}
		if axis.VerifyWebhook("wrong secret", r.Header.Get(axis.SignatureHeader), body, time.Minute) {
			t.Error("a wrong secret verifies")
		}
		var ev axis.WebhookEvent
		json.Unmarshal(body, &ev)
		got <- ev
	}))
	defer receiver.Close()

	var hook axis.Webhook
	if st := recipient.do("PUT", "/api/v1/axis/webhooks/000.00.02.H16", "application/json", []byte(`{"url":"`+receiver.URL+`"}`), &hook); st != 200 || hook.Secret == "" {
		t.Fatalf("register webhook: %d %+v", st, hook)
	}
	secret.Store(hook.Secret)
	pkg := axistest.Document(axistest.Doc{DocumentID: "000.00.00.H36,2026/11/26,7/UBND", From: "000.00.00.H36", To: []string{"000.00.02.H16"}})
	var rc axis.Receipt
	if st := sender.do("POST", "/api/v1/axis/edocs", "application/xml", pkg, &rc); st != 201 {
		t.Fatalf("send: %d", st)
	}
	select {
	case ev := <-got:
		if ev.ID != rc.ID || ev.To != "000.00.02.H16" || ev.DocumentID != rc.DocumentID || ev.Event != "delivered" {
			t.Errorf("event %+v", ev)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the webhook was not called successfully (%d calls)", calls.Load())
	}
	if calls.Load() < 2 {
		t.Errorf("the failed call was not retried")
	}
}

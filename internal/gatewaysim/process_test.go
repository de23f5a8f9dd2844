package gatewaysim_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/payment"
)

// buildLienthong builds the command into a temporary folder, from the module's root.
func buildLienthong(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("this test builds the binary and needs the go command: %v", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "lienthong")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/lienthong")
	build.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var listening = regexp.MustCompile(`listening on (\S+),`)

// TestSimulatorProcess runs `lienthong gatewaysim` as its own process, dropping the first attempt
// of each notification and repeating it: the payer follows the platform's signed redirect,
// approves, comes back to a page that waits, and the payment succeeds once; the statement the
// process serves reconciles without a mismatch.
func TestSimulatorProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := buildLienthong(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		p := newPlatform(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "gatewaysim", "--addr", "127.0.0.1:0", "--gateway", "bank", "--secret", string(bank.Secret),
			"--notify", p.url+"/api/v1/payment/notifications", "--drop", "1", "--repeat", "1")
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "LIENTHONG_") {
				env = append(env, kv)
			}
		}
		cmd.Env = env
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		defer cancel()
		addr := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if m := listening.FindStringSubmatch(sc.Text()); m != nil {
					addr <- m[1]
				}
			}
			io.Copy(io.Discard, stderr)
		}()
		var base string
		select {
		case a := <-addr:
			base = "http://" + a
		case <-time.After(30 * time.Second):
			t.Fatal("the simulator did not start")
		}
		p.payURL["bank"] = base + "/pay"

		pay := p.newPayment(t, 1)
		pay, err = p.svc.Redirect(ctx, pay, p.url+"/payments/return")
		if err != nil {
			t.Fatal(err)
		}
		page, err := http.Get(pay.RedirectURL)
		if err != nil || page.StatusCode != 200 {
			t.Fatalf("pay page: %v %v", page, err)
		}
		page.Body.Close()
		u, _ := url.Parse(pay.RedirectURL)
		form := url.Values{"payment": {pay.ID}, "amount": {"30000"}, "currency": {"VND"}, "decision": {"approve"}, "return": {u.Query().Get("return")}}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.PostForm(base+"/pay", form)
		if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), p.url+"/payments/return?") {
			t.Fatalf("decide: %+v %v", resp, err)
		}
		resp.Body.Close()

		deadline := time.Now().Add(20 * time.Second)
		for {
			got, _ := p.svc.Payment(ctx, pay.ID)
			if got.Status == payment.Succeeded {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("payment still %s", got.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // let the repeated copy arrive
		b, _ := p.svc.Bill(ctx, pay.BillCode)
		m, _ := p.svc.MonthlyFigures(ctx)
		if b.Paid != 30000 || len(m) != 1 || m[0].Payments != 1 {
			t.Fatalf("counted more than once: bill %+v figures %+v", b, m)
		}

		// A row injected into the running process: money the platform never heard of.
		inj, err := http.PostForm(base+"/inject", url.Values{"payment": {"Pghost"}, "amount": {"45000"}})
		if err != nil || inj.StatusCode != http.StatusNoContent {
			t.Fatalf("inject: %+v %v", inj, err)
		}
		inj.Body.Close()
		st, err := http.Get(base + "/statement.csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := payment.ParseStatement(st.Body)
		st.Body.Close()
		if err != nil || len(rows) != 2 || rows[0].PaymentID != pay.ID {
			t.Fatalf("statement %+v %v", rows, err)
		}
		opened, err := p.svc.Reconcile(ctx, "bank", rows, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "finance")
		if err != nil || len(opened) != 1 || opened[0].Kind != "missing_here" || opened[0].PaymentID != "Pghost" {
			t.Fatalf("reconcile: %+v %v", opened, err)
		}
	})
}

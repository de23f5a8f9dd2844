package main

// The crash test of the axis (issue 3, Reliability): the real binary serves, concurrent senders
// stream packages at it, the process is killed with SIGKILL in the middle, and after a restart on
// the same data every acknowledged package must be in every recipient's inbox exactly once,
// nothing may be half-delivered, and the packages whose requests died with the process can be
// sent again without duplicates.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axisclient"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

const (
	crashSender  = "000.00.02.H36" // Sở Nội vụ tỉnh Lâm Đồng
	crashSenders = 8               // concurrent connected systems sending
	crashMinAck  = 150             // acknowledgements before the kill may come
)

// crashRecipients are two agencies registered on the axis in the demo data, so that a package has
// two deliveries and "half-delivered" means something.
var crashRecipients = []string{"000.00.02.H16", "000.00.00.H16"}

// buildLienthong builds the command into a temporary folder, from the module's root.
func buildLienthong(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the crash test builds the binary and needs the go command: %v", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(t.TempDir(), "lienthong")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/lienthong")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is the test's environment without LIENTHONG_* variables, so the host's settings cannot
// reach the subprocesses.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIENTHONG_") {
			env = append(env, kv)
		}
	}
	return env
}

// nodeProcess is `lienthong demo` running as a subprocess.
type nodeProcess struct {
	t      *testing.T
	bin    string
	args   []string
	url    string
	log    string
	cmd    *exec.Cmd
	exited chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcessNode starts the node and waits until it answers /healthz. Cleanup stops it.
func startProcessNode(t *testing.T, bin, addr string, dbArgs []string) *nodeProcess {
	t.Helper()
	n := &nodeProcess{t: t, bin: bin, url: "http://" + addr, log: filepath.Join(t.TempDir(), "node.log"),
		args: append([]string{"demo", "--addr", addr, "--log-level", "warn"}, dbArgs...)}
	n.start()
	t.Cleanup(func() {
		n.stop()
		if t.Failed() {
			b, _ := os.ReadFile(n.log)
			t.Logf("node log (%s):\n%s", n.log, tail(string(b), 4000))
		}
	})
	return n
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func (n *nodeProcess) start() {
	t := n.t
	t.Helper()
	logf, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== %s %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(n.args, " "))
	n.cmd = exec.Command(n.bin, n.args...)
	n.cmd.Env = cleanEnv()
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, exited chan error) { exited <- cmd.Wait() }(n.cmd, n.exited)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(n.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-n.exited:
			n.cmd = nil
			t.Fatalf("lienthong %s exited before serving: %v", strings.Join(n.args, " "), err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("lienthong %s: not serving after 60s", strings.Join(n.args, " "))
		}
	}
}

// kill sends SIGKILL: the process gets no chance to flush, close or answer.
func (n *nodeProcess) kill() {
	n.t.Helper()
	if err := n.cmd.Process.Kill(); err != nil {
		n.t.Fatalf("kill: %v", err)
	}
	<-n.exited
	n.cmd = nil
}

// stop asks the node to shut down gracefully, and kills it if it does not within 30s.
func (n *nodeProcess) stop() {
	if n.cmd == nil {
		return
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		n.t.Errorf("lienthong %s: still running 30s after SIGTERM", strings.Join(n.args, " "))
		n.cmd.Process.Kill()
		<-n.exited
	}
	n.cmd = nil
}

// createClientProcess runs `lienthong client create` as a subprocess on the node's data.
func createClientProcess(t *testing.T, bin string, dbArgs []string, agency string) auth.Credentials {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"client", "create", "--agency", agency, "--name", "crash test " + agency, "--subtree"}, dbArgs...)...)
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lienthong client create: %v\n%s", err, stderr.String())
	}
	var cr auth.Credentials
	if err := json.Unmarshal(out, &cr); err != nil || cr.ClientSecret == "" {
		t.Fatalf("lienthong client create printed %q: %v", out, err)
	}
	return cr
}

func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * crashSenders}}
}

// crashRun is what the senders saw before the kill.
type crashRun struct {
	mu        sync.Mutex
	packages  map[string][]byte        // DocumentId → the bytes sent
	acked     map[string]*axis.Receipt // answered 2xx
	inFlight  map[string]error         // the request failed without an answer (connection error)
	unexpects []string                 // error answers, which no request here deserves
	nAcked    atomic.Int64
}

func TestAxisCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test builds the binary and kills a node: skipped with -short")
	}
	bin := buildLienthong(t)
	t.Run("sqlite", func(t *testing.T) { testAxisCrash(t, bin, nil) })
	t.Run("postgres", func(t *testing.T) { testAxisCrash(t, bin, []string{"--db", dbtest.PostgresURL(t)}) })
}

func testAxisCrash(t *testing.T, bin string, dbArgs []string) {
	dbArgs = append([]string{"--data", t.TempDir()}, dbArgs...)
	addr := freeAddr(t)
	node := startProcessNode(t, bin, addr, dbArgs)
	sender := createClientProcess(t, bin, dbArgs, "000.00.00.H36")
	recipient := createClientProcess(t, bin, dbArgs, "000.00.00.H16")
	ctx := t.Context()

	// Senders stream distinct packages until their connection fails, recording what was
	// acknowledged and what was in flight when the node died.
	run := &crashRun{packages: map[string][]byte{}, acked: map[string]*axis.Receipt{}, inFlight: map[string]error{}}
	send := axisclient.New(node.url, sender.ClientID, sender.ClientSecret, newHTTPClient())
	if _, err := send.Token(ctx); err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().UnixNano()
	var wg sync.WaitGroup
	for g := range crashSenders {
		wg.Go(func() {
			for i := 0; ; i++ {
				docID := fmt.Sprintf("%s,2026/11/26,%d/CRASH-%d-%d", crashSender, i, g, stamp)
				pkg := axistest.Document(axistest.Doc{DocumentID: docID, From: crashSender, To: crashRecipients,
					Subject: fmt.Sprintf("Văn bản thử nghiệm %d của luồng %d", i, g)})
				run.mu.Lock()
				run.packages[docID] = pkg
				run.mu.Unlock()
				rc, err := send.Send(ctx, bytes.NewReader(pkg))
				run.mu.Lock()
				switch e, isAnswer := axisclient.IsAPIError(err); {
				case err == nil:
					run.acked[docID] = rc
					run.nAcked.Add(1)
				case isAnswer:
					run.unexpects = append(run.unexpects, fmt.Sprintf("%s: %v", docID, e))
				default:
					run.inFlight[docID] = err
				}
				run.mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}

	// Kill the node at a random moment once a few hundred packages are through.
	deadline := time.Now().Add(60 * time.Second)
	for run.nAcked.Load() < crashMinAck && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if run.nAcked.Load() < crashMinAck {
		node.kill()
		wg.Wait()
		t.Fatalf("only %d packages acknowledged in 60s (errors: %v)", run.nAcked.Load(), run.unexpects)
	}
	delay := time.Duration(300+rand.IntN(500)) * time.Millisecond
	time.Sleep(delay)
	node.kill()
	wg.Wait()
	if len(run.unexpects) > 0 {
		t.Fatalf("error answers during the stream: %d, first: %s", len(run.unexpects), run.unexpects[0])
	}
	t.Logf("SIGKILL %s after the %dth acknowledgement: %d acknowledged, %d in flight", delay, crashMinAck, len(run.acked), len(run.inFlight))
	if len(run.inFlight) == 0 || len(run.inFlight) > crashSenders {
		t.Fatalf("%d requests failed without an answer, want 1 to %d (one per sender at most)", len(run.inFlight), crashSenders)
	}

	node.start()
	recv := axisclient.New(node.url, recipient.ClientID, recipient.ClientSecret, newHTTPClient())
	send = axisclient.New(node.url, sender.ClientID, sender.ClientSecret, newHTTPClient())

	// (a) Every acknowledged package is in each recipient's inbox, exactly once, under the id its
	// receipt gave; nothing is there that was not sent.
	before := crashInboxes(t, recv)
	for docID, rc := range run.acked {
		for _, to := range crashRecipients {
			items := before[to][docID]
			if len(items) != 1 || items[0].ID != rc.ID {
				t.Errorf("acknowledged %s (%s): %d items in the inbox of %s, want it exactly once", docID, rc.ID, len(items), to)
			}
		}
	}
	for _, to := range crashRecipients {
		for docID, items := range before[to] {
			if _, ok := run.packages[docID]; !ok {
				t.Errorf("inbox of %s holds %s, which nobody sent", to, docID)
			}
			if len(items) > 1 {
				t.Errorf("inbox of %s holds %s %d times", to, docID, len(items))
			}
		}
	}

	// (b) Nothing is half-delivered: a package stored at all has its delivery to every recipient,
	// and its bytes are the ones sent.
	ids := map[string]string{} // axis id → DocumentId
	for _, to := range crashRecipients {
		for docID, items := range before[to] {
			for _, it := range items {
				ids[it.ID] = docID
			}
		}
	}
	checkWhole := func(id, docID string) {
		t.Helper()
		d, err := recv.Info(ctx, id)
		if err != nil {
			t.Errorf("info %s (%s): %v", id, docID, err)
			return
		}
		var got []string
		for _, dl := range d.Deliveries {
			got = append(got, dl.Recipient)
		}
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(crashRecipients)); !slices.Equal(got, want) {
			t.Errorf("package %s (%s) is delivered to %v, want %v", id, docID, got, want)
		}
		if want := sha256Hex(run.packages[docID]); d.PackageSHA256 != want {
			t.Errorf("package %s (%s): stored SHA-256 %s, sent %s", id, docID, d.PackageSHA256, want)
		}
	}
	for id, docID := range ids {
		checkWhole(id, docID)
	}
	// The stored bytes survive too: download some of them, the in-flight ones that were committed
	// among them.
	sample := 0
	for id, docID := range ids {
		_, inFlight := run.inFlight[docID]
		if !inFlight && sample >= 100 {
			continue
		}
		sample++
		h := sha256.New()
		if _, err := recv.Get(ctx, id, h); err != nil {
			t.Errorf("get %s (%s): %v", id, docID, err)
		} else if got, want := hex.EncodeToString(h.Sum(nil)), sha256Hex(run.packages[docID]); got != want {
			t.Errorf("get %s (%s): SHA-256 %s, sent %s", id, docID, got, want)
		}
	}

	// (c) The packages whose requests died are sent again: accepted as new (201) when the node
	// had not committed them, as duplicates (200) with the stored id when it had.
	recovered := 0
	for docID := range run.inFlight {
		rc, err := send.Send(ctx, bytes.NewReader(run.packages[docID]))
		if err != nil {
			t.Errorf("resend of in-flight %s: %v", docID, err)
			continue
		}
		items := before[crashRecipients[0]][docID]
		switch {
		case len(items) == 1 && (!rc.Duplicate || rc.ID != items[0].ID):
			t.Errorf("resend of %s, committed before the kill as %s: receipt %+v, want a duplicate of it", docID, items[0].ID, rc)
		case len(items) == 0 && rc.Duplicate:
			t.Errorf("resend of %s, absent after the restart: receipt %+v, want a new package", docID, rc)
		}
		if rc.Duplicate {
			recovered++
		} else {
			checkWhole(rc.ID, docID)
		}
		run.acked[docID] = rc
	}
	// Resending acknowledged packages is harmless too.
	n := 0
	for docID, rc := range run.acked {
		if n++; n > 20 {
			break
		}
		again, err := send.Send(ctx, bytes.NewReader(run.packages[docID]))
		if err != nil || !again.Duplicate || again.ID != rc.ID {
			t.Errorf("resend of acknowledged %s: %+v, %v; want a duplicate of %s", docID, again, err, rc.ID)
		}
	}
	t.Logf("after restart: %d of %d in-flight packages had been committed (resend answered 200 duplicate), %d were new (201)",
		recovered, len(run.inFlight), len(run.inFlight)-recovered)

	// Afterwards every package sent is in each inbox exactly once.
	after := crashInboxes(t, recv)
	for _, to := range crashRecipients {
		if len(after[to]) != len(run.acked) {
			t.Errorf("inbox of %s holds %d documents, want %d", to, len(after[to]), len(run.acked))
		}
		for docID, rc := range run.acked {
			if items := after[to][docID]; len(items) != 1 || items[0].ID != rc.ID {
				t.Errorf("%s: %d items in the inbox of %s, want exactly %s", docID, len(items), to, rc.ID)
			}
		}
	}
}

// crashInboxes pages through each recipient's inbox and groups the test's items (DocumentIds with
// "/CRASH-") by DocumentId; the demo's own traffic in the same inboxes is left out.
func crashInboxes(t *testing.T, c *axisclient.Client) map[string]map[string][]axis.InboxItem {
	t.Helper()
	out := map[string]map[string][]axis.InboxItem{}
	for _, to := range crashRecipients {
		out[to] = map[string][]axis.InboxItem{}
		q := axis.InboxQuery{Agency: to, Limit: 500}
		for {
			page, err := c.Received(t.Context(), q)
			if err != nil {
				t.Fatalf("received %s after %d: %v", to, q.After, err)
			}
			for _, it := range page.Items {
				if it.Kind != "document" {
					t.Errorf("inbox of %s: unexpected %s item %s", to, it.Kind, it.ID)
				}
				if strings.Contains(it.DocumentID, "/CRASH-") {
					out[to][it.DocumentID] = append(out[to][it.DocumentID], it)
				}
			}
			if len(page.Items) == 0 {
				break
			}
			if page.Next <= q.After {
				t.Fatalf("received %s: cursor went from %d to %d", to, q.After, page.Next)
			}
			q.After = page.Next
		}
	}
	return out
}

package main

// Tests of the reference client `lienthong axis`: a demo node runs in-process on 127.0.0.1:0, two
// connected systems get machine clients with `lienthong client create`, and every exchange goes
// through the command line and HTTP, as an agency's software would do it.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

// axisOutput is an output stream the node's goroutines, a following client and the test share.
type axisOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *axisOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *axisOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// axisStartNode runs `lienthong demo --addr 127.0.0.1:0` with the database flags until the test
// ends, and returns the node's URL. Cleanup cancels the node's context and expects a clean stop.
func axisStartNode(t *testing.T, dbArgs []string) string {
	t.Helper()
	args := append([]string{"demo", "--addr", "127.0.0.1:0", "--log-level", "warn"}, dbArgs...)
	ctx, cancel := context.WithCancel(context.Background())
	var out axisOutput
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Runtime{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Env: func(string) string { return "" },
			Ready: func(addr string) { ready <- addr }}, args)
	}()
	stopped := false
	t.Cleanup(func() {
		cancel()
		if !stopped {
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("lienthong %s: %v", strings.Join(args, " "), err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("lienthong %s: still running 30s after its context ended", strings.Join(args, " "))
			}
		}
		if t.Failed() {
			t.Logf("node output:\n%s", out.String())
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		stopped = true
		t.Fatalf("lienthong %s: stopped before listening: %v", strings.Join(args, " "), err)
	case <-time.After(60 * time.Second):
		t.Fatalf("lienthong %s: not listening after 60s", strings.Join(args, " "))
	}
	return ""
}

// axisRun runs one command line with only the environment given, and returns its standard output.
func axisRun(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut axisOutput
	err := Run(t.Context(), Runtime{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Env: func(k string) string { return env[k] }}, args)
	if s := errOut.String(); s != "" {
		t.Logf("lienthong %s: stderr:\n%s", strings.Join(args, " "), s)
	}
	return out.String(), err
}

// mustAxisRun is axisRun for a command line that must succeed.
func mustAxisRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := axisRun(t, env, args...)
	if err != nil {
		t.Fatalf("lienthong %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// jsonLines decodes output of one JSON value a line.
func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	list := []T{}
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var v T
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("output is not JSON lines: %v\n%s", err, out)
		}
		list = append(list, v)
	}
	return list
}

func one[T any](t *testing.T, out string) T {
	t.Helper()
	list := jsonLines[T](t, out)
	if len(list) != 1 {
		t.Fatalf("want one JSON value, got %d:\n%s", len(list), out)
	}
	return list[0]
}

// axisCreateClient creates a machine client acting for an agency's subtree, with the command line
// and on the node's own database.
func axisCreateClient(t *testing.T, dbArgs []string, agency, name string) auth.Credentials {
	t.Helper()
	out := mustAxisRun(t, nil, append([]string{"client", "create", "--agency", agency, "--name", name, "--subtree"}, dbArgs...)...)
	cr := one[auth.Credentials](t, out)
	if cr.ClientID == "" || cr.ClientSecret == "" {
		t.Fatalf("client create printed %q", out)
	}
	return cr
}

// axisDownload is what `lienthong axis get` prints.
type axisDownload struct {
	ID      string `json:"id"`
	File    string `json:"file"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	Checked bool   `json:"checked"`
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestAxisCLI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testAxisCLI(t, nil) })
	t.Run("postgres", func(t *testing.T) { testAxisCLI(t, []string{"--db", dbtest.PostgresURL(t)}) })
}

func testAxisCLI(t *testing.T, dbArgs []string) {
	const (
		snvLamDong = "000.00.02.H36" // Sở Nội vụ tỉnh Lâm Đồng, the sender
		snvDakLak  = "000.00.02.H16" // Sở Nội vụ tỉnh Đắk Lắk, the recipient
		docID      = "000.00.02.H36,2026/11/20,15/SNV-VP"
	)
	dbArgs = append([]string{"--data", t.TempDir()}, dbArgs...)
	base := axisStartNode(t, dbArgs)
	lamDong := axisCreateClient(t, dbArgs, "000.00.00.H36", "QLVB tỉnh Lâm Đồng")
	dakLak := axisCreateClient(t, dbArgs, "000.00.00.H16", "QLVB tỉnh Đắk Lắk")

	// Lâm Đồng's system keeps its credentials in the file client create printed; Đắk Lắk's in the
	// environment.
	dir := t.TempDir()
	credentials := filepath.Join(dir, "lamdong.json")
	b, _ := json.Marshal(lamDong)
	if err := os.WriteFile(credentials, b, 0o600); err != nil {
		t.Fatal(err)
	}
	asLamDong := func(args ...string) []string {
		return append(append([]string{"axis"}, args...), "--url", base, "--credentials", credentials)
	}
	dakLakEnv := map[string]string{"LIENTHONG_URL": base, "LIENTHONG_CLIENT_ID": dakLak.ClientID, "LIENTHONG_CLIENT_SECRET": dakLak.ClientSecret}
	asDakLak := func(args ...string) []string { return append([]string{"axis"}, args...) }

	pkg := axistest.Document(axistest.Doc{DocumentID: docID, From: snvLamDong, To: []string{snvDakLak},
		Subject: "Về việc cử cán bộ tham gia tập huấn", Attachment: bytes.Repeat([]byte("%PDF-1.7 công văn "), 500)})
	pkgFile := filepath.Join(dir, "cong-van.edxml")
	if err := os.WriteFile(pkgFile, pkg, 0o600); err != nil {
		t.Fatal(err)
	}

	// send streams the file and prints the receipt; sending it again is idempotent.
	rc := one[axis.Receipt](t, mustAxisRun(t, nil, asLamDong("send", pkgFile)...))
	if rc.ID == "" || rc.Duplicate || rc.DocumentID != docID || rc.From != snvLamDong {
		t.Fatalf("send: receipt %+v", rc)
	}
	if diff := cmp.Diff([]string{snvDakLak}, rc.Recipients); diff != "" {
		t.Errorf("send: recipients (-want +got):\n%s", diff)
	}
	again := one[axis.Receipt](t, mustAxisRun(t, nil, asLamDong("send", pkgFile)...))
	if !again.Duplicate || again.ID != rc.ID {
		t.Errorf("send again: receipt %+v, want a duplicate of %s", again, rc.ID)
	}

	// The recipient's inbox lists it.
	inboxItem := func(it axis.InboxItem) axis.InboxItem {
		return axis.InboxItem{ID: it.ID, Kind: it.Kind, DocumentID: it.DocumentID, From: it.From, To: it.To, StatusCode: it.StatusCode, Transport: it.Transport}
	}
	inbox := func(env map[string]string, args []string) []axis.InboxItem {
		t.Helper()
		var out []axis.InboxItem
		for _, it := range jsonLines[axis.InboxItem](t, mustAxisRun(t, env, args...)) {
			out = append(out, inboxItem(it))
		}
		return out
	}
	want := []axis.InboxItem{{ID: rc.ID, Kind: "document", DocumentID: docID, From: snvLamDong, To: snvDakLak, Transport: "pending"}}
	got := inbox(dakLakEnv, asDakLak("received", "--agency", snvDakLak))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("received --agency %s (-want +got):\n%s", snvDakLak, diff)
	}

	// get downloads the bytes that were sent, checked against the node's hash; by default into
	// ID.edxml in the current folder.
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"get", rc.ID}, {"get", rc.ID, "-o", filepath.Join(dir, "copy.edxml")}} {
		d := one[axisDownload](t, mustAxisRun(t, dakLakEnv, asDakLak(args...)...))
		file := rc.ID + ".edxml"
		if len(args) == 4 {
			file = args[3]
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !bytes.Equal(b, pkg) {
			t.Errorf("%v: downloaded %d bytes that differ from the %d sent", args, len(b), len(pkg))
		}
		if d.File != file || d.SHA256 != sha256Hex(pkg) || d.Size != int64(len(pkg)) || !d.Checked {
			t.Errorf("%v: printed %+v, want file %s, sha256 %s, size %d, checked", args, d, file, sha256Hex(pkg), len(pkg))
		}
	}
	if out := mustAxisRun(t, dakLakEnv, asDakLak("get", rc.ID, "-o", "-")...); out != string(pkg) {
		t.Errorf("get -o -: wrote %d bytes to standard output, want the %d sent", len(out), len(pkg))
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.part")); len(leftovers) > 0 {
		t.Errorf("get left temporary files: %v", leftovers)
	}
	if _, err := axisRun(t, dakLakEnv, asDakLak("get", "nosuchpackage", "-o", filepath.Join(dir, "none.edxml"))...); err == nil ||
		!strings.Contains(err.Error(), "no package nosuchpackage") {
		t.Errorf("get of an unknown package: %v, want the node's not-found message", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.edxml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed get left a file: %v", err)
	}

	// Status packets go back to the sender: one from a file (01, arrived), one the client builds (03).
	statusFile := filepath.Join(dir, "status-01.edxml")
	if err := os.WriteFile(statusFile, axistest.Status(snvDakLak, docID, "01", "Đã đến"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := one[axis.Receipt](t, mustAxisRun(t, dakLakEnv, asDakLak("status", statusFile)...))
	if st.Kind != "status" || st.DocumentID != docID {
		t.Errorf("status FILE: receipt %+v", st)
	}
	st = one[axis.Receipt](t, mustAxisRun(t, dakLakEnv, asDakLak("status", "--document-id", docID, "--code", "03", "--from", snvDakLak,
		"--description", "Đã tiếp nhận, vào sổ văn bản đến số 1234", "--staff", "Y Bhim Niê")...))
	if diff := cmp.Diff([]string{snvLamDong}, st.Recipients); st.Kind != "status" || st.From != snvDakLak || diff != "" {
		t.Errorf("status --code 03: receipt %+v, recipients (-want +got):\n%s", st, diff)
	}
	wantStatus := []axis.InboxItem{
		{Kind: "status", DocumentID: docID, From: snvDakLak, To: snvLamDong, StatusCode: "01"},
		{Kind: "status", DocumentID: docID, From: snvDakLak, To: snvLamDong, StatusCode: "03", ID: st.ID},
	}
	gotStatus := inbox(nil, asLamDong("received", "--agency", snvLamDong))
	if diff := cmp.Diff(wantStatus, gotStatus, cmpopts.IgnoreFields(axis.InboxItem{}, "Transport"),
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ID" }, cmp.Comparer(func(a, b string) bool { return a == "" || b == "" || a == b }))); diff != "" {
		t.Errorf("received --agency %s (-want +got):\n%s", snvLamDong, diff)
	}

	// A transport acknowledgement "done" empties the recipient's inbox.
	ack := mustAxisRun(t, dakLakEnv, asDakLak("ack", rc.ID, "--status", "done", "--agency", snvDakLak)...)
	if !strings.Contains(ack, `"status":"done"`) {
		t.Errorf("ack printed %q", ack)
	}
	if got := inbox(dakLakEnv, asDakLak("received", "--agency", snvDakLak)); len(got) != 0 {
		t.Errorf("received after ack done: %+v, want nothing", got)
	}

	// The sender's sent list shows the delivery, acknowledged, with the latest status 03.
	sent := jsonLines[axis.SentItem](t, mustAxisRun(t, nil, asLamDong("sent", "--agency", snvLamDong)...))
	if len(sent) != 1 || sent[0].ID != rc.ID || sent[0].DocumentID != docID {
		t.Fatalf("sent --agency %s: %+v, want the one document %s", snvLamDong, sent, rc.ID)
	}
	if diff := cmp.Diff([]axis.Delivery{{Recipient: snvDakLak, Transport: "done", StatusCode: "03"}}, sent[0].Deliveries,
		cmpopts.IgnoreFields(axis.Delivery{}, "UpdatedAt")); diff != "" {
		t.Errorf("sent: deliveries (-want +got):\n%s", diff)
	}

	// agencies lists the active agencies; --registered only those on the axis (in the demo data,
	// every active agency is).
	all := jsonLines[axis.AxisAgency](t, mustAxisRun(t, dakLakEnv, asDakLak("agencies")...))
	registered := jsonLines[axis.AxisAgency](t, mustAxisRun(t, dakLakEnv, asDakLak("agencies", "--registered")...))
	if len(registered) == 0 || len(registered) > len(all) {
		t.Errorf("agencies: %d, --registered: %d", len(all), len(registered))
	}
	for _, a := range registered {
		if !a.Registered {
			t.Errorf("agencies --registered lists %s, which is not registered", a.Code)
		}
	}
	if !containsFunc(registered, func(a axis.AxisAgency) bool { return a.Code == snvDakLak }) {
		t.Errorf("agencies --registered does not list %s", snvDakLak)
	}

	// --follow prints what arrives until interrupted, then stops cleanly.
	ctx, cancel := context.WithCancel(t.Context())
	var followOut axisOutput
	followed := make(chan error, 1)
	go func() {
		followed <- Run(ctx, Runtime{Stdin: strings.NewReader(""), Stdout: &followOut, Stderr: &followOut, Env: func(k string) string { return dakLakEnv[k] }},
			asDakLak("received", "--agency", snvDakLak, "--follow", "--wait", "2s"))
	}()
	second := filepath.Join(dir, "second.edxml")
	os.WriteFile(second, axistest.Document(axistest.Doc{DocumentID: "000.00.02.H36,2026/11/21,16/SNV-VP", From: snvLamDong, To: []string{snvDakLak}}), 0o600)
	rc2 := one[axis.Receipt](t, mustAxisRun(t, nil, asLamDong("send", second)...))
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(followOut.String(), rc2.ID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-followed:
		if err != nil {
			t.Errorf("received --follow: interrupted with %v, want a clean stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("received --follow: still running 10s after its context ended")
	}
	if items := jsonLines[axis.InboxItem](t, followOut.String()); len(items) != 1 || items[0].ID != rc2.ID {
		t.Errorf("received --follow printed %q, want exactly the new package %s", followOut.String(), rc2.ID)
	}

	// Errors: the node's message, clearly, and a non-nil error (exit status 1).
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"wrong secret", nil, []string{"axis", "agencies", "--url", base, "--client-id", lamDong.ClientID, "--client-secret", "not-the-secret"},
			"unknown client or wrong secret (HTTP 401, unauthorized/invalid_client)"},
		{"From not owned", dakLakEnv, asDakLak("send", pkgFile), "From/OrganId 000.00.02.H36 does not belong to client"},
		{"not a recipient", dakLakEnv, asDakLak("received", "--agency", snvLamDong), "does not act for 000.00.02.H36 (HTTP 403, forbidden/not_your_agency)"},
		{"bad ack status", dakLakEnv, asDakLak("ack", rc.ID, "--status", "read"), `--status "read": want done, fail or processing`},
		{"status without document", dakLakEnv, asDakLak("status", "--code", "03"), "missing --document-id, --from"},
		{"status for an unknown document", dakLakEnv, asDakLak("status", "--document-id", "000.00.02.H36,2026/11/20,99/XX", "--code", "03", "--from", snvDakLak),
			"no such document went through this axis (HTTP 404, not_found/unknown_document)"},
		{"no credentials", map[string]string{"LIENTHONG_URL": base}, asDakLak("sent"), "no client credentials"},
		{"no node", nil, []string{"axis", "sent", "--url", "http://127.0.0.1:1", "--client-id", "x", "--client-secret", "y"}, "cannot reach the node at http://127.0.0.1:1"},
		{"unknown subcommand", nil, []string{"axis", "fetch"}, `unknown subcommand "fetch"`},
		{"missing argument", dakLakEnv, asDakLak("get"), "want one argument"},
	} {
		_, err := axisRun(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: lienthong %s: error %v, want it to say %q", tc.name, strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

func containsFunc[T any](list []T, f func(T) bool) bool {
	for _, v := range list {
		if f(v) {
			return true
		}
	}
	return false
}

func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantPos []string
		wantO   string
	}{
		{[]string{"ID"}, []string{"ID"}, ""},
		{[]string{"ID", "-o", "f"}, []string{"ID"}, "f"},
		{[]string{"-o", "f", "ID"}, []string{"ID"}, "f"},
		{[]string{"-o", "f", "--", "-ID"}, []string{"-ID"}, "f"},
		{[]string{"A", "-o", "f", "B"}, []string{"A", "B"}, "f"},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		var o string
		fs.StringVar(&o, "o", "", "")
		pos, err := parseInterleaved(fs, tc.args)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if diff := cmp.Diff(tc.wantPos, pos); diff != "" || o != tc.wantO {
			t.Errorf("%q: -o %q (want %q), positional (-want +got):\n%s", tc.args, o, tc.wantO, diff)
		}
	}
}

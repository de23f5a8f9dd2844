package axis_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

const registry = `code,name,kind,level,effective_from,effective_to,successor,on_axis
000.00.00.H36,Ủy ban nhân dân tỉnh Lâm Đồng,province_committee,province,2016-04-01,,,true
000.00.02.H36,Sở Nội vụ tỉnh Lâm Đồng,department,province,2016-04-01,,,true
000.01.30.H36,Ủy ban nhân dân phường 1,commune,commune,2016-04-01,,,true
000.00.30.H36,Ủy ban nhân dân thành phố Đà Lạt,district,district,2016-04-01,,,true
000.00.00.H16,Ủy ban nhân dân tỉnh Đắk Lắk,province_committee,province,2016-04-01,,,true
000.00.02.H16,Sở Nội vụ tỉnh Đắk Lắk,department,province,2016-04-01,,,true
000.00.03.H16,Sở Tư pháp tỉnh Đắk Lắk,department,province,2016-04-01,,,false
000.00.00.H17,Ủy ban nhân dân tỉnh Đắk Nông,province_committee,province,2016-04-01,2025-06-30,000.00.00.H36,true
`

type fixture struct {
	ax                         *axis.Service
	d                          *db.DB
	lamDong, snvDakLak, dakLak *auth.Principal
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := agency.ParseCSV(strings.NewReader(registry))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ax := axis.New(d, blobs, reg, axis.DefaultOptions())
	t.Cleanup(ax.Close)
	return &fixture{ax: ax, d: d,
		lamDong:   &auth.Principal{Kind: auth.KindClient, ID: "qlvb-lamdong", Agency: "000.00.00.H36", Subtree: true},
		snvDakLak: &auth.Principal{Kind: auth.KindClient, ID: "qlvb-snv-daklak", Agency: "000.00.02.H16"},
		dakLak:    &auth.Principal{Kind: auth.KindClient, ID: "qlvb-daklak", Agency: "000.00.00.H16"},
	}
}

func (f *fixture) inbox(t *testing.T, p *auth.Principal, agency string) []axis.InboxItem {
	t.Helper()
	items, err := f.ax.Received(context.Background(), p, axis.InboxQuery{Agency: agency})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestExchangeRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		docID := "000.00.02.H36,2026/11/20,15/SNV-VP"
		pkg := axistest.Document(axistest.Doc{DocumentID: docID, From: "000.00.02.H36", To: []string{"000.00.02.H16"}, Attachment: []byte("%PDF-1.7 nội dung văn bản")})
		rc, err := f.ax.Send(ctx, f.lamDong, bytes.NewReader(pkg))
		if err != nil {
			t.Fatal(err)
		}
		if rc.Duplicate || rc.DocumentID != docID || len(rc.Recipients) != 1 || rc.Signature.State != "unsigned" {
			t.Errorf("receipt %+v", rc)
		}
		items := f.inbox(t, f.snvDakLak, "")
		if len(items) != 1 || items[0].ID != rc.ID || items[0].From != "000.00.02.H36" || items[0].Kind != "document" {
			t.Fatalf("inbox %+v", items)
		}
		// The recipient gets the sender's bytes unaltered.
		r, doc, err := f.ax.Open(ctx, f.snvDakLak, rc.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if sha(got) != sha(pkg) || doc.PackageSHA256 != sha(pkg) {
			t.Error("the delivered package differs from the one sent")
		}
		if len(doc.Attachments) != 1 || doc.Attachments[0].Name != "van-ban.pdf" {
			t.Errorf("attachments %+v", doc.Attachments)
		}
		ar, _, err := f.ax.OpenAttachment(ctx, f.snvDakLak, rc.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		att, _ := io.ReadAll(ar)
		ar.Close()
		if string(att) != "%PDF-1.7 nội dung văn bản" {
			t.Errorf("attachment %q", att)
		}
		// An agency that is neither sender nor recipient does not see it.
		if _, err := f.ax.Get(ctx, f.dakLak, rc.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("outsider sees the package: %v", err)
		}
		// Resending the same package is idempotent; a different package under the same id conflicts.
		again, err := f.ax.Send(ctx, f.lamDong, bytes.NewReader(pkg))
		if err != nil || !again.Duplicate || again.ID != rc.ID {
			t.Errorf("resend: %+v %v", again, err)
		}
		other := axistest.Document(axistest.Doc{DocumentID: docID, From: "000.00.02.H36", To: []string{"000.00.02.H16"}, Subject: "khác"})
		if _, err := f.ax.Send(ctx, f.lamDong, bytes.NewReader(other)); errs.As(err).Reason != "duplicate_document_id" {
			t.Errorf("different content, same DocumentId: %v", err)
		}
		if n := len(f.inbox(t, f.snvDakLak, "")); n != 1 {
			t.Errorf("inbox has %d items after the resends, want 1", n)
		}
		// The recipient reports 03 (registered): it reaches the sender, and the sent list shows it.
		st, err := f.ax.SendStatus(ctx, f.snvDakLak, bytes.NewReader(axistest.Status("000.00.02.H16", docID, "03", "Đã vào sổ văn bản đến")))
		if err != nil {
			t.Fatal(err)
		}
		senderInbox := f.inbox(t, f.lamDong, "000.00.02.H36")
		if len(senderInbox) != 1 || senderInbox[0].Kind != "status" || senderInbox[0].StatusCode != "03" || senderInbox[0].ID != st.ID {
			t.Errorf("sender inbox %+v", senderInbox)
		}
		sent, err := f.ax.Sent(ctx, f.lamDong, "000.00.02.H36", 10)
		if err != nil || len(sent) != 1 || sent[0].Deliveries[0].StatusCode != "03" {
			t.Errorf("sent list %+v %v", sent, err)
		}
		// Transport acknowledgement done removes the item from the inbox.
		if err := f.ax.Ack(ctx, f.snvDakLak, rc.ID, "", axis.TransportDone); err != nil {
			t.Fatal(err)
		}
		if n := len(f.inbox(t, f.snvDakLak, "")); n != 0 {
			t.Errorf("inbox has %d items after done", n)
		}
		if err := f.ax.Ack(ctx, f.dakLak, rc.ID, "", axis.TransportDone); !errs.Is(err, errs.NotFound) {
			t.Errorf("ack by a non-recipient: %v", err)
		}
		// A revocation acts on the earlier document, visible in its timeline.
		rev := axistest.Document(axistest.Doc{DocumentID: docID + "-TH", From: "000.00.02.H36", To: []string{"000.00.02.H16"}, Business: 1, Related: docID})
		if _, err := f.ax.Send(ctx, f.lamDong, bytes.NewReader(rev)); err != nil {
			t.Fatal(err)
		}
		full, _ := f.ax.Get(ctx, f.lamDong, rc.ID)
		var events []string
		for _, e := range full.Timeline {
			events = append(events, e.Event+e.StatusCode)
		}
		if strings.Join(events, ",") != "sent,delivered,fetched,status03,ack,revoked" {
			t.Errorf("timeline %v", events)
		}
	})
}

func TestRefusalsDeliverNothing(t *testing.T) {
	ctx := context.Background()
	f := setup(t, dbtest.SQLite(t))
	doc := func(mut func(*axistest.Doc)) []byte {
		d := axistest.Doc{DocumentID: "000.00.02.H36,2026/11/20,99/SNV", From: "000.00.02.H36", To: []string{"000.00.02.H16"}}
		mut(&d)
		return axistest.Document(d)
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		as     *auth.Principal
		reason string
	}{
		{"not XML", []byte("hello"), f.lamDong, "not_xml"},
		{"empty", nil, f.lamDong, "not_xml"},
		{"wrong namespace", []byte(`<edXML xmlns="urn:other"><x/></edXML>`), f.lamDong, "wrong_namespace"},
		{"missing From", doc(func(d *axistest.Doc) { d.From = "" }), f.lamDong, "missing_field"},
		{"malformed code", doc(func(d *axistest.Doc) { d.To = []string{"28.22.H17"} }), f.lamDong, "bad_identifier_code"},
		{"unknown recipient", doc(func(d *axistest.Doc) { d.To = []string{"000.00.09.H16"} }), f.lamDong, "unknown_agency"},
		{"unregistered recipient", doc(func(d *axistest.Doc) { d.To = []string{"000.00.03.H16"} }), f.lamDong, "unregistered_agency"},
		{"closed recipient", doc(func(d *axistest.Doc) { d.To = []string{"000.00.00.H17"} }), f.lamDong, "closed_agency"},
		{"From not owned", doc(func(d *axistest.Doc) {}), f.dakLak, "from_not_owned"},
		{"secret", doc(func(d *axistest.Doc) { d.Secret = "Tối mật" }), f.lamDong, "secret_document"},
		{"status sent as document", axistest.Status("000.00.02.H36", "x", "03", ""), f.lamDong, "not_a_document"},
		{"revoke of an unknown document", doc(func(d *axistest.Doc) { d.Business = 1; d.Related = "nope" }), f.lamDong, "unknown_related_document"},
	} {
		_, err := f.ax.Send(ctx, tc.as, bytes.NewReader(tc.body))
		if e := errs.As(err); e.Reason != tc.reason || e.Code == errs.Internal {
			t.Errorf("%s: got %v, want reason %s", tc.name, err, tc.reason)
		}
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		as     *auth.Principal
		reason string
	}{
		{"status for an unknown document", axistest.Status("000.00.02.H16", "nope", "03", ""), f.snvDakLak, "unknown_document"},
		{"document sent as status", doc(func(d *axistest.Doc) {}), f.lamDong, "not_a_status"},
	} {
		_, err := f.ax.SendStatus(ctx, tc.as, bytes.NewReader(tc.body))
		if e := errs.As(err); e.Reason != tc.reason {
			t.Errorf("%s: got %v, want reason %s", tc.name, err, tc.reason)
		}
	}
	// A status from an agency that never received the document.
	docID := "000.00.02.H36,2026/11/21,1/SNV"
	if _, err := f.ax.Send(ctx, f.lamDong, bytes.NewReader(axistest.Document(axistest.Doc{DocumentID: docID, From: "000.00.02.H36", To: []string{"000.00.02.H16"}}))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ax.SendStatus(ctx, f.dakLak, bytes.NewReader(axistest.Status("000.00.00.H16", docID, "03", ""))); errs.As(err).Reason != "not_a_recipient" {
		t.Errorf("status from a non-recipient: %v", err)
	}
	for _, a := range []string{"000.00.02.H16", "000.00.03.H16"} {
		items, err := f.ax.Received(ctx, auth.System, axis.InboxQuery{Agency: a})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"000.00.02.H16": 1}[a]; len(items) != want {
			t.Errorf("%s has %d items, want %d: refused packages were delivered", a, len(items), want)
		}
	}
	var refusals int
	f.d.Read(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, "SELECT count(*) FROM axis_refusals").Scan(&refusals) })
	if refusals != 15 {
		t.Errorf("%d refusals counted, want 15", refusals)
	}
}

// TestConcurrentSendersLoseNothing sends from many goroutines (sharing group commits) and checks
// that every acknowledged package is in the inbox exactly once.
func TestConcurrentSendersLoseNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		var wg sync.WaitGroup
		ids := make([]string, 200)
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				pkg := axistest.Document(axistest.Doc{DocumentID: fmt.Sprintf("000.00.02.H36,2026/11/20,%d/SNV", i), From: "000.00.02.H36", To: []string{"000.00.02.H16", "000.00.00.H16"}})
				rc, err := f.ax.Send(ctx, f.lamDong, bytes.NewReader(pkg))
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = rc.ID
			}(i)
		}
		wg.Wait()
		for _, a := range []string{"000.00.02.H16", "000.00.00.H16"} {
			seen := map[string]int{}
			var after int64
			for {
				items, err := f.ax.Received(ctx, auth.System, axis.InboxQuery{Agency: a, After: after, Limit: 77})
				if err != nil {
					t.Fatal(err)
				}
				if len(items) == 0 {
					break
				}
				for _, it := range items {
					seen[it.ID]++
				}
				after = items[len(items)-1].Cursor
			}
			for _, id := range ids {
				if seen[id] != 1 {
					t.Errorf("%s: package %s seen %d times", a, id, seen[id])
				}
			}
		}
	})
}

package office_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/office"
)

// Lâm Đồng's People's Committee sends; Đắk Lắk's receives.
const (
	ubndLD = "000.00.00.H36"
	vpLD   = "000.00.01.H36"
	ubndDL = "000.00.00.H16"
	vpDL   = "000.00.01.H16"
)

var (
	ict = time.FixedZone("ICT", 7*3600)
	// Monday 2026-11-23 09:00 in Vietnam.
	monday = time.Date(2026, 11, 23, 9, 0, 0, 0, ict)

	drafterLD = user("chuyenvien.ld", "Nguyễn Thị Hoa", auth.Officer, ubndLD)
	leaderLD  = user("chutich.ld", "Trần Văn Bình", auth.Leader, ubndLD)
	clerkLD   = user("vanthu.ld", "Lê Thị Cúc", auth.Clerk, ubndLD)
	clerkDL   = user("vanthu.dl", "Phạm Văn Dũng", auth.Clerk, ubndDL)
	leaderDL  = user("chutich.dl", "Hoàng Văn Em", auth.Leader, ubndDL)
	officerDL = user("xuly.dl", "Võ Thị Giang", auth.Officer, ubndDL)
	outsider  = user("lanhdao.gl", "Leader of Gia Lai", auth.Leader, "000.00.00.H21")
	// The sender's own document system reads its axis inbox with a client of its own.
	systemLD = &auth.Principal{Kind: auth.KindClient, ID: "qlvb.ld", Agency: ubndLD}
)

func user(login, name string, role auth.Role, agency string) *auth.Principal {
	return &auth.Principal{Kind: auth.KindUser, ID: login, Name: name, Grants: []auth.Grant{{Role: role, Agency: agency}}}
}

type fixture struct {
	svc   *office.Service
	axis  *axis.Service
	db    *db.DB
	reg   *agency.Registry
	clock *clock
}

// clock is a settable time source shared by the database and the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newFixture(t testing.TB, d *db.DB, opt office.Options) fixture {
	t.Helper()
	c := &clock{t: monday}
	d.Now = c.now
	reg := newRegistry(t, d)
	store, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	ax := axis.New(d, store, reg, axis.DefaultOptions())
	t.Cleanup(ax.Close)
	svc := office.New(d, store, reg, cal, ax, opt)
	t.Cleanup(svc.Close)
	return fixture{svc: svc, axis: ax, db: d, reg: reg, clock: c}
}

func newRegistry(t testing.TB, d *db.DB) *agency.Registry {
	t.Helper()
	ctx := context.Background()
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Index().Len() == 0 {
		rows, err := agency.ParseCSV(bytes.NewReader(demo.AgenciesCSV()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Import(ctx, auth.System, rows); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

func pdf(text string) *office.Upload {
	return &office.Upload{Name: "van-ban.pdf", Body: strings.NewReader("%PDF-1.7\n% " + text + "\n" + strings.Repeat("x", 2000) + "\n%%EOF\n")}
}

func decision(subject string) office.DraftInput {
	return office.DraftInput{Agency: ubndLD, Type: "QĐ", Subject: subject, SignerName: "Trần Văn Bình", SignerTitle: "Chủ tịch",
		SignerCompetence: "TM. ỦY BAN NHÂN DÂN", Urgency: "khẩn", Place: "Đà Lạt", Copies: 5, Keeper: "Văn phòng",
		Recipients: []office.Recipient{{Agency: ubndDL}, {Name: "Lưu: VT, VP"}}, Main: pdf(subject)}
}

func paperOnly(subject string) office.DraftInput {
	d := decision(subject)
	d.Recipients = []office.Recipient{{Name: "Các sở, ban, ngành"}, {Agency: ubndDL, Paper: true}}
	return d
}

// signed drafts a document and takes it through submission, approval and signing.
func signed(t testing.TB, f fixture, d office.DraftInput) *office.Outgoing {
	t.Helper()
	ctx := context.Background()
	o, err := f.svc.CreateDraft(ctx, drafterLD, d)
	if err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	for _, step := range []struct {
		by *auth.Principal
		c  office.Change
	}{{drafterLD, office.Change{To: office.Submitted}}, {leaderLD, office.Change{To: office.Approved}}, {leaderLD, office.Change{To: office.Signed, Method: office.SignedDigitally}}} {
		if o, err = f.svc.Transition(ctx, step.by, o.ID, step.c); err != nil {
			t.Fatalf("%s: %v", step.c.To, err)
		}
	}
	return o
}

func wantCode(t *testing.T, err error, code errs.Code, reason string) {
	t.Helper()
	e := errs.As(err)
	if err == nil || e.Code != code || (reason != "" && e.Reason != reason) {
		t.Fatalf("err = %v, want %s/%s", err, code, reason)
	}
}

// TestFullFlow: Lâm Đồng drafts, approves, signs and issues a decision that goes through the axis to
// Đắk Lắk, which registers, assigns and completes it; Lâm Đồng sees the status packets 01, 03, 04,
// 05 and 06 in its axis inbox.
func TestFullFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		ctx := context.Background()
		o := signed(t, f, decision("Về việc phê duyệt kế hoạch chuyển đổi số năm 2027"))
		if o.Status != office.Signed || !o.Signed || o.ApprovedBy != leaderLD.Actor() || o.SignatureMethod != office.SignedDigitally {
			t.Fatalf("before issue: %+v", o)
		}
		if _, err := f.svc.Issue(ctx, drafterLD, o.ID); err == nil {
			t.Fatal("an officer issued a document; only clerks do")
		}
		o, err := f.svc.Issue(ctx, clerkLD, o.ID)
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		got := struct{ Number, NumberNotation, IssueDate, Series, SendState, DocumentID string }{
			fmt.Sprint(o.Number), o.NumberNotation, o.IssueDate, o.Series, o.SendState, o.AxisDocumentID}
		want := struct{ Number, NumberNotation, IssueDate, Series, SendState, DocumentID string }{
			"1", "01/QĐ-UBND", "2026-11-23", office.SeriesNormal, office.SendSent, ubndLD + ",2026/11/23,01/QĐ-UBND"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("issued (-want +got):\n%s", diff)
		}
		if o.AxisID == "" || o.SendError != "" {
			t.Fatalf("not sent: %q %q", o.AxisID, o.SendError)
		}

		// Đắk Lắk's clerk finds it in the axis inbox and registers it.
		inbox, err := f.svc.AxisInbox(ctx, clerkDL, ubndDL)
		if err != nil || len(inbox) != 1 || inbox[0].ID != o.AxisID || inbox[0].CodeNotation != "QĐ-UBND" || inbox[0].CodeNumber != "01" {
			t.Fatalf("AxisInbox = %+v, %v", inbox, err)
		}
		if _, err := f.svc.RegisterFromAxis(ctx, clerkLD, o.AxisID, ubndDL); err == nil {
			t.Fatal("Lâm Đồng's clerk registered for Đắk Lắk")
		}
		in, err := f.svc.RegisterFromAxis(ctx, clerkDL, o.AxisID, "")
		if err != nil {
			t.Fatalf("RegisterFromAxis: %v", err)
		}
		if in.Number != 1 || in.Status != office.Registered || in.NumberNotation != "01/QĐ-UBND" || in.Sender != ubndLD ||
			in.TypeName != "Quyết định (cá biệt)" || in.DocumentDate != "2026-11-23" || in.SignerName != "Trần Văn Bình" || in.Urgency != 1 {
			t.Fatalf("registered: %+v", in)
		}
		if len(in.Files) != 1 || in.Files[0].Role != office.RoleMain || in.Files[0].SHA256 != o.Files[0].SHA256 {
			t.Fatalf("files: %+v, sent %+v", in.Files, o.Files)
		}
		if again, err := f.svc.RegisterFromAxis(ctx, clerkDL, o.AxisID, ""); err != nil || again.ID != in.ID || again.Number != 1 {
			t.Fatalf("registering again = %+v, %v; want the same document", again, err)
		}
		if left, _ := f.svc.AxisInbox(ctx, clerkDL, ubndDL); len(left) != 0 {
			t.Fatalf("the axis inbox still holds %d items", len(left))
		}

		// The leader assigns it to an officer of the Office with 3 working days: Thursday 17:00.
		a, err := f.svc.Assign(ctx, leaderDL, in.ID, office.AssignRequest{Assignee: officerDL.ID, Department: vpDL, DueDays: 3})
		if err != nil {
			t.Fatalf("Assign: %v", err)
		}
		if want := time.Date(2026, 11, 26, 17, 0, 0, 0, ict); a.Deadline == nil || !a.Deadline.Equal(want) {
			t.Fatalf("deadline = %v, want %v", a.Deadline, want)
		}
		if _, err := f.svc.AddOpinion(ctx, officerDL, in.ID, office.OpinionRequest{Text: "Đề nghị Văn phòng tham mưu triển khai.", AssignmentID: a.ID}); err != nil {
			t.Fatalf("AddOpinion: %v", err)
		}
		f.clock.set(monday.Add(26 * time.Hour))
		if a, err = f.svc.Complete(ctx, officerDL, a.ID, office.CompleteRequest{Result: "Đã triển khai"}); err != nil || a.Timeliness != office.OnTime {
			t.Fatalf("Complete = %+v, %v", a, err)
		}
		in, err = f.svc.GetIncoming(ctx, leaderDL, in.ID)
		if err != nil || in.Status != office.Done {
			t.Fatalf("after completion: %+v, %v", in, err)
		}
		var sent []string
		for _, st := range in.Statuses {
			if st.SentAt == nil {
				t.Errorf("status %s not sent: %s", st.Code, st.Error)
			}
			sent = append(sent, st.Code)
		}
		if diff := cmp.Diff([]string{"01", "03", "04", "05", "06"}, sent); diff != "" {
			t.Errorf("statuses recorded (-want +got):\n%s", diff)
		}

		// The sender sees the packets in its axis inbox, in order, and on the document.
		items, err := f.axis.Received(ctx, systemLD, axis.InboxQuery{Agency: ubndLD})
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, it := range items {
			if it.Kind == "status" && it.DocumentID == o.AxisDocumentID {
				codes = append(codes, it.StatusCode)
			}
		}
		if diff := cmp.Diff([]string{"01", "03", "04", "05", "06"}, codes); diff != "" {
			t.Errorf("status packets at the sender (-want +got):\n%s", diff)
		}
		o, err = f.svc.GetOutgoing(ctx, clerkLD, o.ID)
		if err != nil || o.Recipients[0].StatusCode != "06" || o.Recipients[1].StatusCode != "" {
			t.Fatalf("recipients = %+v, %v", o.Recipients, err)
		}

		// A Công văn drafted by the Office takes the next number of the shared series: 02/UBND-VP.
		cv := paperOnly("Về việc báo cáo tình hình thực hiện")
		cv.Type, cv.DraftingUnit = "Công văn", vpLD
		o2 := signed(t, f, cv)
		if o2, err = f.svc.Issue(ctx, clerkLD, o2.ID); err != nil || o2.NumberNotation != "02/UBND-VP" || o2.SendState != office.SendNone {
			t.Fatalf("Công văn = %+v, %v", o2, err)
		}

		// The registers.
		out, err := f.svc.OutgoingRegister(ctx, clerkLD, office.RegisterQuery{Agency: ubndLD, From: "2026-11-01", To: "2026-11-30"})
		if err != nil || len(out) != 2 || out[0].NumberNotation != "01/QĐ-UBND" || out[0].Date != "23/11/2026" ||
			out[0].Recipients != "Ủy ban nhân dân tỉnh Đắk Lắk; Lưu: VT, VP" || out[1].NumberNotation != "02/UBND-VP" {
			t.Fatalf("outgoing register = %+v, %v", out, err)
		}
		inc, err := f.svc.IncomingRegister(ctx, clerkDL, office.RegisterQuery{Agency: ubndDL, From: "2026-11-23", To: "2026-11-23"})
		if err != nil || len(inc) != 1 || inc[0].Number != 1 || inc[0].Handler != "Võ Thị Giang" && inc[0].Handler != officerDL.ID || inc[0].NumberNotation != "01/QĐ-UBND" {
			t.Fatalf("incoming register = %+v, %v", inc, err)
		}
		var csv bytes.Buffer
		if err := f.svc.WriteOutgoingCSV(ctx, clerkLD, office.RegisterQuery{Agency: ubndLD}, &csv); err != nil {
			t.Fatal(err)
		}
		if lines := strings.Split(strings.TrimSpace(csv.String()), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[1], "01/QĐ-UBND,23/11/2026,") {
			t.Fatalf("CSV:\n%s", csv.String())
		}
	})
}

// TestIssueTwice: the second issue is a conflict and takes no number.
func TestIssueTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		ctx := context.Background()
		o := signed(t, f, paperOnly("Thông báo lịch tiếp công dân"))
		first, err := f.svc.Issue(ctx, clerkLD, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Issue(ctx, clerkLD, o.ID)
		wantCode(t, err, errs.Conflict, "already_issued")
		again, _ := f.svc.GetOutgoing(ctx, clerkLD, o.ID)
		if again.Version != first.Version || again.NumberNotation != "01/QĐ-UBND" {
			t.Fatalf("changed by the second issue: %+v", again)
		}
		if n, _ := f.svc.LastNumber(ctx, ubndLD, 2026, office.SeriesNormal); n != 1 {
			t.Fatalf("last number = %d, want 1", n)
		}
		// With the same Idempotency-Key, a retried issue answers with the document.
		o2 := signed(t, f, paperOnly("Thông báo thứ hai"))
		a, err := f.svc.Transition(ctx, clerkLD, o2.ID, office.Change{To: office.Issued, IdempotencyKey: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Transition(ctx, clerkLD, o2.ID, office.Change{To: office.Issued, IdempotencyKey: "k1"})
		if err != nil || b.NumberNotation != a.NumberNotation || a.NumberNotation != "02/QĐ-UBND" {
			t.Fatalf("retried issue = %+v, %v", b, err)
		}
	})
}

// TestSecretDocuments: a secret document with an electronic recipient is refused and takes no number;
// on paper it is numbered in the secret series.
func TestSecretDocuments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		ctx := context.Background()
		dr := decision("Kế hoạch bảo vệ bí mật nhà nước")
		dr.Confidentiality = "Mật"
		o := signed(t, f, dr)
		_, err := f.svc.Issue(ctx, clerkLD, o.ID)
		wantCode(t, err, errs.Invalid, "secret_electronic")
		for _, series := range []string{office.SeriesNormal, office.SeriesSecret} {
			if n, _ := f.svc.LastNumber(ctx, ubndLD, 2026, series); n != 0 {
				t.Fatalf("%s series consumed %d", series, n)
			}
		}
		if got, _ := f.svc.GetOutgoing(ctx, clerkLD, o.ID); got.Status != office.Signed || got.Number != 0 {
			t.Fatalf("after the refusal: %+v", got)
		}
		if _, err := f.svc.GetOutgoing(ctx, officerDL, o.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another province's officer sees a secret document: %v", err)
		}
		// The same document for paper recipients only is numbered 01 in the secret series.
		dr.Recipients = []office.Recipient{{Agency: ubndDL, Paper: true}}
		dr.Main = pdf("secret")
		s := signed(t, f, dr)
		s, err = f.svc.Issue(ctx, clerkLD, s.ID)
		if err != nil || s.Series != office.SeriesSecret || s.NumberNotation != "01/QĐ-UBND" || s.SendState != office.SendNone {
			t.Fatalf("secret on paper = %+v, %v", s, err)
		}
		n := signed(t, f, paperOnly("Quyết định thường"))
		if n, err = f.svc.Issue(ctx, clerkLD, n.ID); err != nil || n.NumberNotation != "01/QĐ-UBND" || n.Series != office.SeriesNormal {
			t.Fatalf("normal after secret = %+v, %v", n, err)
		}
		if _, err := f.svc.OutgoingRegister(ctx, drafterLD, office.RegisterQuery{Agency: ubndLD, Series: office.SeriesSecret}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an officer read the secret register: %v", err)
		}
		if reg, err := f.svc.OutgoingRegister(ctx, clerkLD, office.RegisterQuery{Agency: ubndLD, Series: office.SeriesSecret}); err != nil || len(reg) != 1 {
			t.Fatalf("secret register = %+v, %v", reg, err)
		}
	})
}

// TestBadInput: a main file that is not a PDF, an unknown document type, a deadline on a day off,
// assigning outside one's agency; nothing is stored.
func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{LookupPerson: func(ctx context.Context, login string) (office.Person, error) {
			for _, p := range []*auth.Principal{officerDL, leaderDL, clerkDL, drafterLD} {
				if p.ID == login {
					return office.Person{Login: p.ID, Name: p.Name, Grants: p.Grants}, nil
				}
			}
			return office.Person{}, errs.New(errs.NotFound, "no such user")
		}})
		ctx := context.Background()
		dr := decision("Tệp giả")
		dr.Main = &office.Upload{Name: "van-ban.pdf", Body: strings.NewReader("<html>not a pdf</html>")}
		_, err := f.svc.CreateDraft(ctx, drafterLD, dr)
		wantCode(t, err, errs.Invalid, "not_pdf")
		dr = decision("Loại lạ")
		dr.Type = "Sắc lệnh"
		_, err = f.svc.CreateDraft(ctx, drafterLD, dr)
		wantCode(t, err, errs.Invalid, "bad_document")
		if e := errs.As(err); len(e.Fields) != 1 || e.Fields[0].Field != "type" {
			t.Fatalf("fields = %+v", e.Fields)
		}
		_, err = f.svc.CreateDraft(ctx, outsider, decision("Không phải cơ quan mình"))
		wantCode(t, err, errs.Forbidden, "not_your_agency")
		if n := count(t, d, "office_outgoing"); n != 0 {
			t.Fatalf("%d documents stored", n)
		}

		// An incoming paper document of Đắk Lắk to assign.
		in, err := f.svc.RegisterPaper(ctx, clerkDL, office.PaperDocument{Agency: ubndDL, SenderName: "Công ty TNHH Hòa Bình", NumberNotation: "12/CV-HB",
			DocumentDate: "2026-11-20", Subject: "Đề nghị hỗ trợ thủ tục", Scans: []office.Upload{*pdf("scan")}})
		if err != nil || in.Number != 1 || in.Status != office.Registered || in.Source != office.FromPaper {
			t.Fatalf("RegisterPaper = %+v, %v", in, err)
		}
		_, err = f.svc.Assign(ctx, outsider, in.ID, office.AssignRequest{Assignee: officerDL.ID, DueDays: 3})
		wantCode(t, err, errs.Forbidden, "not_your_agency")
		_, err = f.svc.Assign(ctx, leaderDL, in.ID, office.AssignRequest{Department: vpLD, DueDays: 3})
		wantCode(t, err, errs.Forbidden, "outside_agency")
		_, err = f.svc.Assign(ctx, leaderDL, in.ID, office.AssignRequest{Assignee: drafterLD.ID, DueDays: 3})
		wantCode(t, err, errs.Forbidden, "outside_agency")
		// Saturday 28 November 2026 and Wednesday 2 September 2026 (Quốc khánh) are days off.
		_, err = f.svc.Assign(ctx, leaderDL, in.ID, office.AssignRequest{Assignee: officerDL.ID, DueDate: "2026-11-28"})
		wantCode(t, err, errs.Invalid, "deadline_not_working_day")
		_, err = f.svc.Assign(ctx, leaderDL, in.ID, office.AssignRequest{Assignee: officerDL.ID, DueDate: "2026-09-02"})
		wantCode(t, err, errs.Invalid, "deadline_not_working_day")
		if n := count(t, d, "office_assignments"); n != 0 {
			t.Fatalf("%d assignments stored", n)
		}
		a, err := f.svc.Assign(ctx, leaderDL, in.ID, office.AssignRequest{Assignee: officerDL.ID, DueDate: "2026-11-27"})
		if err != nil || a.AssigneeName != officerDL.Name || a.Deadline.In(ict).Format("2006-01-02 15:04") != "2026-11-27 17:00" {
			t.Fatalf("Assign = %+v, %v", a, err)
		}
		if got, _ := f.svc.GetIncoming(ctx, clerkDL, in.ID); got.Status != office.Assigned || len(got.Statuses) != 0 {
			t.Fatalf("paper document after assignment: %+v (statuses go only to axis senders)", got)
		}
	})
}

func count(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// issueConcurrently issues n signed paper documents with workers goroutines and returns the numbers.
func issueConcurrently(t testing.TB, svcs []*office.Service, ids []int64, workers int) []int {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var numbers []int
	var wg sync.WaitGroup
	next := make(chan int64)
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(svc *office.Service) {
			defer wg.Done()
			for id := range next {
				o, err := svc.Issue(ctx, clerkLD, id)
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				numbers = append(numbers, o.Number)
				mu.Unlock()
			}
		}(svcs[w%len(svcs)])
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("Issue: %v", err)
	}
	return numbers
}

func checkGapless(t testing.TB, numbers []int) {
	t.Helper()
	sort.Ints(numbers)
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("numbers are not 1..%d without gaps or duplicates: position %d holds %d", len(numbers), i, n)
		}
	}
}

// TestConcurrentIssuing: 16 clerks issuing at once get 1..N with no gap and no duplicate.
func TestConcurrentIssuing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		const n = 160
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = signed(t, f, paperOnly(fmt.Sprintf("Văn bản %d", i))).ID
		}
		checkGapless(t, issueConcurrently(t, []*office.Service{f.svc}, ids, 16))
	})
}

// TestTwoNodesPostgres: two database handles on one PostgreSQL database (two nodes) issue at once.
func TestTwoNodesPostgres(t *testing.T) {
	url := dbtest.PostgresURL(t)
	ctx := context.Background()
	var svcs []*office.Service
	var f fixture
	for i := 0; i < 2; i++ {
		d, err := db.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if i == 0 {
			f = newFixture(t, d, office.Options{})
			svcs = append(svcs, f.svc)
			continue
		}
		d.Now = f.clock.now
		store, _ := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
		cal, _ := calendar.New()
		svc := office.New(d, store, newRegistry(t, d), cal, nil, office.Options{})
		t.Cleanup(svc.Close)
		svcs = append(svcs, svc)
	}
	const n = 200
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = signed(t, f, paperOnly(fmt.Sprintf("Văn bản %d", i))).ID
	}
	numbers := issueConcurrently(t, svcs, ids, 16)
	checkGapless(t, numbers)
	if last, _ := svcs[1].LastNumber(ctx, ubndLD, 2026, office.SeriesNormal); last != n {
		t.Fatalf("last number = %d, want %d", last, n)
	}
}

// TestAutoRegisterAndDeadlines: an agency that switched automatic registration on gets documents
// registered by the poller; the deadline lists show what is due soon and what is overdue.
func TestAutoRegisterAndDeadlines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		ctx := context.Background()
		if _, err := f.svc.SetSettings(ctx, officerDL, office.Settings{Agency: ubndDL, AutoRegister: true}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an officer changed the settings: %v", err)
		}
		if _, err := f.svc.SetSettings(ctx, clerkDL, office.Settings{Agency: ubndDL, AutoRegister: true, Place: "Buôn Ma Thuột"}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			o := signed(t, f, decision(fmt.Sprintf("Công văn số %d", i)))
			if _, err := f.svc.Issue(ctx, clerkLD, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := f.svc.Poll(ctx)
		if err != nil || rep.Registered != 2 {
			t.Fatalf("Poll = %+v, %v", rep, err)
		}
		list, err := f.svc.ListIncoming(ctx, clerkDL, office.IncomingQuery{Agency: ubndDL})
		if err != nil || len(list) != 2 || list[0].Number != 2 || list[1].Number != 1 || list[0].CreatedBy != "client:office" {
			t.Fatalf("incoming = %+v, %v", list, err)
		}
		if rep, _ := f.svc.Poll(ctx); rep.Registered != 0 {
			t.Fatalf("the second poll registered %d again", rep.Registered)
		}
		a1, err := f.svc.Assign(ctx, leaderDL, list[0].ID, office.AssignRequest{Assignee: officerDL.ID, DueDays: 1})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := f.svc.Assign(ctx, leaderDL, list[1].ID, office.AssignRequest{Assignee: officerDL.ID, DueDays: 10})
		if err != nil {
			t.Fatal(err)
		}
		mine, err := f.svc.Deadlines(ctx, officerDL, office.DeadlineQuery{})
		if err != nil || len(mine) != 1 || mine[0].ID != a1.ID || mine[0].Timeliness != office.DueSoon {
			t.Fatalf("due soon = %+v, %v", mine, err)
		}
		// Wednesday: the first is overdue; the second not yet due soon.
		f.clock.set(monday.Add(48 * time.Hour))
		over, err := f.svc.Deadlines(ctx, leaderDL, office.DeadlineQuery{Agency: ubndDL, Timeliness: office.Overdue})
		if err != nil || len(over) != 1 || over[0].ID != a1.ID || over[0].IncomingNumber != 2 {
			t.Fatalf("overdue = %+v, %v", over, err)
		}
		if _, err := f.svc.Deadlines(ctx, outsider, office.DeadlineQuery{Agency: ubndDL}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("outsider read the deadlines: %v", err)
		}
		fw, err := f.svc.Forward(ctx, officerDL, a2.ID, office.ForwardRequest{To: "khac.dl", Note: "Chuyển đồng chí xử lý"})
		if err != nil || fw.Deadline == nil || !fw.Deadline.Equal(*a2.Deadline) || fw.Assignee != "khac.dl" {
			t.Fatalf("Forward = %+v, %v", fw, err)
		}
		if _, err := f.svc.Complete(ctx, officerDL, a2.ID, office.CompleteRequest{}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("completed a forwarded assignment: %v", err)
		}
	})
}

// TestWorkFiles: the yearly list, filing, closing, hand-over and the electronic processing rate.
func TestWorkFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		ctx := context.Background()
		o := signed(t, f, decision("Quyết định điện tử"))
		o, err := f.svc.Issue(ctx, clerkLD, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		in, err := f.svc.RegisterFromAxis(ctx, clerkDL, o.AxisID, ubndDL)
		if err != nil {
			t.Fatal(err)
		}
		paper, err := f.svc.RegisterPaper(ctx, clerkDL, office.PaperDocument{Agency: ubndDL, SenderName: "Báo Đắk Lắk", Subject: "Thư bạn đọc",
			Scans: []office.Upload{*pdf("scan")}})
		if err != nil {
			t.Fatal(err)
		}
		electronic, err := f.svc.CreateFile(ctx, clerkDL, office.NewWorkFile{Agency: ubndDL, Group: "TH", Title: "Hồ sơ chuyển đổi số", IdempotencyKey: "f1"})
		if err != nil || electronic.Code != ubndDL+".2026.01.TH" {
			t.Fatalf("CreateFile = %+v, %v", electronic, err)
		}
		if again, err := f.svc.CreateFile(ctx, clerkDL, office.NewWorkFile{Agency: ubndDL, Group: "TH", Title: "Hồ sơ chuyển đổi số", IdempotencyKey: "f1"}); err != nil || again.ID != electronic.ID {
			t.Fatalf("retried CreateFile = %+v, %v", again, err)
		}
		mixed, err := f.svc.CreateFile(ctx, clerkDL, office.NewWorkFile{Agency: ubndDL, Group: "TH", Title: "Hồ sơ thư bạn đọc"})
		if err != nil || mixed.Code != ubndDL+".2026.02.TH" {
			t.Fatalf("second file = %+v, %v", mixed, err)
		}
		if _, err := f.svc.CreateFile(ctx, clerkDL, office.NewWorkFile{Agency: ubndDL, Number: "2", Group: "TH", Title: "Trùng"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("a duplicate code: %v", err)
		}
		if _, err := f.svc.CloseFile(ctx, clerkDL, electronic.ID); !errs.Is(err, errs.Invalid) {
			t.Fatalf("closed an empty file: %v", err)
		}
		if _, err := f.svc.AddToFile(ctx, clerkDL, electronic.ID, office.FileItemRequest{Kind: office.KindOutgoing, DocumentID: o.ID}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("filed another agency's document: %v", err)
		}
		if _, err := f.svc.AddToFile(ctx, clerkDL, electronic.ID, office.FileItemRequest{Kind: office.KindIncoming, DocumentID: in.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddToFile(ctx, clerkDL, mixed.ID, office.FileItemRequest{Kind: office.KindIncoming, DocumentID: in.ID}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("filed a document twice: %v", err)
		}
		if _, err := f.svc.AddToFile(ctx, clerkDL, mixed.ID, office.FileItemRequest{Kind: office.KindIncoming, DocumentID: paper.ID}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{electronic.ID, mixed.ID} {
			if _, err := f.svc.CloseFile(ctx, clerkDL, id); err != nil {
				t.Fatal(err)
			}
		}
		wf, err := f.svc.HandOver(ctx, clerkDL, electronic.ID)
		if err != nil || wf.Status != office.FileArchived || !wf.Electronic || len(wf.Items) != 1 || wf.Items[0].NumberNotation != "01/QĐ-UBND" {
			t.Fatalf("HandOver = %+v, %v", wf, err)
		}
		// Lâm Đồng files its issued, digitally signed decision and closes it: 1 of 1.
		ld, err := f.svc.CreateFile(ctx, clerkLD, office.NewWorkFile{Agency: ubndLD, Number: "5", Group: "VP", Title: "Văn bản đi"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddToFile(ctx, clerkLD, ld.ID, office.FileItemRequest{Kind: office.KindOutgoing, DocumentID: o.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CloseFile(ctx, clerkLD, ld.ID); err != nil {
			t.Fatal(err)
		}
		admin := user("admin", "Quản trị", auth.Admin, auth.Everywhere)
		rep, err := f.svc.ElectronicRates(ctx, admin, auth.Everywhere, 2026)
		if err != nil {
			t.Fatal(err)
		}
		want := []office.Rate{
			{Agency: ubndDL, Name: "Ủy ban nhân dân tỉnh Đắk Lắk", Province: ubndDL, Level: agency.ProvinceLvl, Closed: 2, Electronic: 1, Percent: 50},
			{Agency: ubndLD, Name: "Ủy ban nhân dân tỉnh Lâm Đồng", Province: ubndLD, Level: agency.ProvinceLvl, Closed: 1, Electronic: 1, Percent: 100},
		}
		if diff := cmp.Diff(want, rep.Agencies); diff != "" {
			t.Errorf("per agency (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]office.Rate{{Level: agency.ProvinceLvl, Closed: 3, Electronic: 2, Percent: 66.7}}, rep.Levels); diff != "" {
			t.Errorf("per level (-want +got):\n%s", diff)
		}
		if len(rep.Provinces) != 2 {
			t.Errorf("per province = %+v", rep.Provinces)
		}
		if _, err := f.svc.ElectronicRates(ctx, clerkDL, auth.Everywhere, 2026); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a clerk of one province read the national figures: %v", err)
		}
	})
}

// TestRefuseAndIdempotentDraft: a refused document tells the sender why (02); a draft created twice
// with one Idempotency-Key is one draft.
func TestRefuseAndIdempotentDraft(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		ctx := context.Background()
		dr := decision("Gửi nhầm")
		dr.IdempotencyKey = "draft-1"
		a, err := f.svc.CreateDraft(ctx, drafterLD, dr)
		if err != nil {
			t.Fatal(err)
		}
		dr.Main = pdf("Gửi nhầm")
		b, err := f.svc.CreateDraft(ctx, drafterLD, dr)
		if err != nil || b.ID != a.ID {
			t.Fatalf("retried draft = %v, %v; want document %d", b, err, a.ID)
		}
		dr.Subject = "Khác"
		dr.Main = pdf("Khác")
		if _, err := f.svc.CreateDraft(ctx, drafterLD, dr); !errs.Is(err, errs.Conflict) {
			t.Fatalf("the key reused for another draft: %v", err)
		}
		o := signed(t, f, decision("Gửi nhầm cơ quan"))
		if o, err = f.svc.Issue(ctx, clerkLD, o.ID); err != nil {
			t.Fatal(err)
		}
		picked, err := f.svc.PickUp(ctx, clerkDL, o.AxisID, "")
		if err != nil || picked.Status != office.Arrived || picked.Number != 0 {
			t.Fatalf("PickUp = %+v, %v", picked, err)
		}
		if _, err := f.svc.Refuse(ctx, clerkDL, picked.ID, ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("refused without a reason: %v", err)
		}
		refused, err := f.svc.Refuse(ctx, clerkDL, picked.ID, "Không thuộc thẩm quyền giải quyết")
		if err != nil || refused.Status != office.Refused {
			t.Fatalf("Refuse = %+v, %v", refused, err)
		}
		if _, err := f.svc.Register(ctx, clerkDL, picked.ID, office.Registration{}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("registered a refused document: %v", err)
		}
		items, _ := f.axis.Received(ctx, systemLD, axis.InboxQuery{Agency: ubndLD})
		var codes []string
		for _, it := range items {
			codes = append(codes, it.StatusCode)
		}
		if diff := cmp.Diff([]string{"01", "02"}, codes); diff != "" {
			t.Errorf("status packets (-want +got):\n%s", diff)
		}
		if n, _ := f.svc.LastNumber(ctx, ubndDL, 2026, office.SeriesIncoming); n != 0 {
			t.Fatalf("a refused document took incoming number %d", n)
		}
	})
}

// TestSigningHooksAndResend: the signing hook replaces the PDF with the signed one; a package that
// cannot be sent leaves the document issued with its number, and the poller sends it later.
func TestSigningHooksAndResend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var mu sync.Mutex
		failures := 1
		f := newFixture(t, d, office.Options{
			SignPDF: func(ctx context.Context, r office.SignRequest) ([]byte, error) {
				if r.Principal.ID != leaderLD.ID || r.SignerName != "Trần Văn Bình" {
					return nil, fmt.Errorf("unexpected request %+v", r)
				}
				return append(r.PDF, []byte("\n% signed by "+r.SignerName+"\n")...), nil
			},
			SignPackage: func(ctx context.Context, agency string, pkg []byte) ([]byte, error) {
				mu.Lock()
				defer mu.Unlock()
				if failures > 0 {
					failures--
					return nil, errs.New(errs.Unavailable, "the signing token is not plugged in")
				}
				return pkg, nil
			},
		})
		ctx := context.Background()
		o, err := f.svc.CreateDraft(ctx, drafterLD, decision("Bản nháp đầu"))
		if err != nil {
			t.Fatal(err)
		}
		unsigned := o.Files[0].SHA256
		o, err = f.svc.UpdateDraft(ctx, drafterLD, o.ID, office.DraftInput{Type: "TB", Subject: "Thông báo kết luận", SignerName: "Trần Văn Bình",
			Recipients: []office.Recipient{{Agency: ubndDL}}, Version: o.Version})
		if err != nil || o.TypeAbbreviation != "TB" || o.Subject != "Thông báo kết luận" || len(o.Recipients) != 1 || o.Files[0].SHA256 != unsigned {
			t.Fatalf("UpdateDraft = %+v, %v", o, err)
		}
		for _, step := range []struct {
			by *auth.Principal
			to office.OutStatus
		}{{drafterLD, office.Submitted}, {leaderLD, office.Approved}, {leaderLD, office.Signed}} {
			if o, err = f.svc.Transition(ctx, step.by, o.ID, office.Change{To: step.to}); err != nil {
				t.Fatalf("%s: %v", step.to, err)
			}
		}
		if o.SignatureMethod != office.SignedDigitally || o.Files[0].SHA256 == unsigned || !o.Electronic() {
			t.Fatalf("signed = %+v", o)
		}
		if _, err := f.svc.UpdateDraft(ctx, drafterLD, o.ID, office.DraftInput{Type: "TB", Subject: "Sửa sau khi ký"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("changed a signed document: %v", err)
		}
		o, err = f.svc.Issue(ctx, clerkLD, o.ID)
		if err != nil || o.NumberNotation != "01/TB-UBND" || o.SendState != office.SendFailed || !strings.Contains(o.SendError, "token") {
			t.Fatalf("issue with a failing package signer = %+v, %v", o, err)
		}
		if rep, err := f.svc.Poll(ctx); err != nil || rep.Sent != 0 {
			t.Fatalf("the poller resent at once: %+v, %v", rep, err)
		}
		f.clock.set(monday.Add(time.Minute))
		if rep, err := f.svc.Poll(ctx); err != nil || rep.Sent != 1 {
			t.Fatalf("Poll = %+v, %v", rep, err)
		}
		o, err = f.svc.GetOutgoing(ctx, clerkLD, o.ID)
		if err != nil || o.SendState != office.SendSent || o.AxisID == "" {
			t.Fatalf("after the poll: %+v, %v", o, err)
		}
		in, err := f.svc.RegisterFromAxis(ctx, clerkDL, o.AxisID, "")
		if err != nil || in.Files[0].SHA256 != o.Files[0].SHA256 || in.NumberNotation != "01/TB-UBND" || in.TypeName != "Thông báo" {
			t.Fatalf("received = %+v, %v", in, err)
		}
		if _, err := f.svc.Resend(ctx, clerkLD, o.ID); err != nil {
			t.Fatalf("Resend of a sent document: %v", err)
		}
	})
}

package meeting

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

const agencyLD = "000.00.00.H36"

var (
	leaderLD = &auth.Principal{Kind: auth.KindUser, ID: "lanhdao.ld", Name: "Nguyễn Văn Hùng", Grants: []auth.Grant{{Role: auth.Leader, Agency: agencyLD}}}
	memberA  = &auth.Principal{Kind: auth.KindUser, ID: "sokhdt.ld", Name: "Giám đốc Sở KH&ĐT", Grants: []auth.Grant{{Role: auth.Officer, Agency: agencyLD}}}
	memberB  = &auth.Principal{Kind: auth.KindUser, ID: "sotc.ld", Name: "Giám đốc Sở Tài chính", Grants: []auth.Grant{{Role: auth.Officer, Agency: agencyLD}}}
	outsider = &auth.Principal{Kind: auth.KindUser, ID: "khac.ld", Name: "Người khác", Grants: []auth.Grant{{Role: auth.Officer, Agency: agencyLD}}}
)

// papers: outgoing 1 is ordinary, outgoing 2 is mật.
func fakePapers(_ context.Context, _ *auth.Principal, kind string, id int64) (PaperInfo, error) {
	switch {
	case kind == "outgoing" && id == 1:
		return PaperInfo{Title: "Tờ trình số 12/TTr-SKHĐT về kế hoạch đầu tư công"}, nil
	case kind == "outgoing" && id == 2:
		return PaperInfo{Title: "Báo cáo số 7/BC-CA (mật)", Secret: true}, nil
	}
	return PaperInfo{}, errs.New(errs.NotFound, "no %s document %d", kind, id)
}

type hookCall struct {
	meeting int64
	cs      []Conclusion
}

type fixture struct {
	svc   *Service
	db    *db.DB
	trust *signature.TrustStore
	calls *[]hookCall
	now   *time.Time
	reg   *agency.Registry
}

func newFixture(t testing.TB, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := agency.ParseCSV(bytes.NewReader(demo.AgenciesCSV()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return now }
	ca, signer := signaturetest.PKI(t, "UBND tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
	trust := signature.NewTrustStore()
	trust.AddCert(ca)
	var calls []hookCall
	svc := New(d, reg, func(context.Context, string) (signature.Signer, error) { return signer, nil }, Options{
		Papers: fakePapers,
		CreateTasks: func(_ context.Context, _ *auth.Principal, id int64, cs []Conclusion) ([]string, error) {
			calls = append(calls, hookCall{id, cs})
			ids := make([]string, len(cs))
			for i := range cs {
				ids[i] = fmt.Sprintf("T-%d-%d", id, i+1)
			}
			return ids, nil
		},
	})
	return fixture{svc: svc, db: d, trust: trust, calls: &calls, now: &now, reg: reg}
}

func wantCode(t *testing.T, err error, code errs.Code, reason string) {
	t.Helper()
	if !errs.Is(err, code) || (reason != "" && errs.As(err).Reason != reason) {
		t.Fatalf("got %v, want %s/%s", err, code, reason)
	}
}

func verified(t *testing.T, f fixture, b []byte) {
	t.Helper()
	rep, err := signature.VerifyPDF(b, f.trust)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 || !rep.Signatures[0].Valid || !rep.Signatures[0].Trusted || !rep.Signatures[0].CoversWholeFile {
		t.Fatalf("signature report: %+v", rep)
	}
}

func TestMeetingPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		nm := NewMeeting{Agency: agencyLD, Title: "Phiên họp UBND tỉnh tháng 11/2026", Kind: "provincial_committee",
			StartsAt: time.Date(2026, 11, 25, 1, 30, 0, 0, time.UTC), Place: "Đà Lạt", Chair: "Chủ tịch UBND tỉnh",
			Items: []Item{
				{Title: "Kế hoạch đầu tư công 2027", PresenterAgency: agencyLD, Papers: []Paper{{DocKind: "outgoing", DocID: 1, AttachFile: true}, {DocKind: "outgoing", DocID: 2}}},
				{Title: "Tình hình an ninh trật tự"},
			},
			Participants: []Participant{{Login: memberA.ID, Agency: agencyLD}, {Login: memberB.ID, Agency: agencyLD}},
		}
		// Bad input first: a secret paper's file, a non-leader organiser, an unknown kind.
		bad := nm
		bad.Items = []Item{{Title: "x", Papers: []Paper{{DocKind: "outgoing", DocID: 2, AttachFile: true}}}}
		_, err := f.svc.Create(ctx, leaderLD, bad)
		wantCode(t, err, errs.Invalid, "secret_paper_file")
		_, err = f.svc.Create(ctx, memberA, nm)
		wantCode(t, err, errs.Forbidden, "")
		if ms, _ := f.svc.List(ctx, leaderLD); len(ms) != 0 {
			t.Fatalf("refused creates left %d meetings", len(ms))
		}

		nm.IdempotencyKey = "hop-ubnd-2026-11"
		m, err := f.svc.Create(ctx, leaderLD, nm)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := f.svc.Create(ctx, leaderLD, nm); err != nil || again.ID != m.ID {
			t.Fatalf("retried create: %v %d ≠ %d", err, again.ID, m.ID)
		}
		ps := m.Items[0].Papers
		if len(ps) != 2 || ps[0].PaperOnly || !ps[1].PaperOnly || ps[1].Title != "Báo cáo số 7/BC-CA (mật)" {
			t.Fatalf("papers: %+v", ps)
		}
		if _, err := f.svc.Get(ctx, memberA, m.ID); err != nil {
			t.Fatalf("participant cannot see: %v", err)
		}
		_, err = f.svc.Get(ctx, outsider, m.ID)
		wantCode(t, err, errs.Forbidden, "")

		if _, err := f.svc.SetAttendance(ctx, leaderLD, m.ID, Participant{Login: memberA.ID, Attendance: "remote"}); err != nil {
			t.Fatal(err)
		}
		m, err = f.svc.SetAttendance(ctx, leaderLD, m.ID, Participant{Login: memberB.ID, Attendance: "delegated", Delegate: "phogiamdoc.sotc"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Participants[0].Attendance != "remote" || m.Participants[1].Delegate != "phogiamdoc.sotc" {
			t.Fatalf("attendance: %+v", m.Participants)
		}
		_, err = f.svc.SetAttendance(ctx, leaderLD, m.ID, Participant{Login: "nobody", Attendance: "present"})
		wantCode(t, err, errs.Invalid, "not_participant")

		// Minutes: sign before approval is refused; drafted → approved → signed.
		_, err = f.svc.SignMinutes(ctx, leaderLD, m.ID)
		wantCode(t, err, errs.Conflict, "minutes_not_approved")
		if _, err := f.svc.DraftMinutes(ctx, leaderLD, m.ID, "Các đại biểu thảo luận.\nChủ tọa kết luận."); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ApproveMinutes(ctx, leaderLD, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DraftMinutes(ctx, leaderLD, m.ID, "sửa")
		wantCode(t, err, errs.Conflict, "minutes_final")
		if m, err = f.svc.SignMinutes(ctx, leaderLD, m.ID); err != nil || m.MinutesStatus != "signed" {
			t.Fatalf("sign: %v %+v", err, m)
		}
		pdfBytes, err := f.svc.MinutesPDF(ctx, memberA, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		verified(t, f, pdfBytes)

		// Conclusions → tasks in one hook call; a retry does not call the hook again.
		_, err = f.svc.MakeTasks(ctx, leaderLD, m.ID)
		wantCode(t, err, errs.Conflict, "no_conclusions")
		cs := []Conclusion{
			{Content: "Sở KH&ĐT hoàn thiện kế hoạch", LeadAgency: agencyLD, Coordinating: []string{agencyLD}, Deadline: "2026-12-15", Product: "Kế hoạch trình HĐND", ItemPosition: 1},
			{Content: "Giữ vững an ninh trật tự", LeadAgency: agencyLD, Ongoing: true, ItemPosition: 2},
		}
		_, err = f.svc.SetConclusions(ctx, leaderLD, m.ID, []Conclusion{{Content: "x", LeadAgency: agencyLD}})
		wantCode(t, err, errs.Invalid, "bad_deadline")
		if _, err := f.svc.SetConclusions(ctx, leaderLD, m.ID, cs); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.MakeTasks(ctx, memberA, m.ID)
		wantCode(t, err, errs.Forbidden, "")
		for range 2 {
			if m, err = f.svc.MakeTasks(ctx, leaderLD, m.ID); err != nil {
				t.Fatal(err)
			}
		}
		if len(*f.calls) != 1 || (*f.calls)[0].meeting != m.ID || len((*f.calls)[0].cs) != 2 {
			t.Fatalf("hook calls: %+v", *f.calls)
		}
		got := (*f.calls)[0].cs
		if got[0].Deadline != "2026-12-15" || got[0].Product != "Kế hoạch trình HĐND" || len(got[0].Coordinating) != 1 ||
			!got[1].Ongoing || got[1].ItemPosition != 2 || got[0].TaskID != "" {
			t.Fatalf("hook got %+v", got)
		}
		if !m.TasksMade || m.Conclusions[0].TaskID != fmt.Sprintf("T-%d-1", m.ID) || m.Conclusions[1].TaskID != fmt.Sprintf("T-%d-2", m.ID) {
			t.Fatalf("task links: %+v", m.Conclusions)
		}
		_, err = f.svc.SetConclusions(ctx, leaderLD, m.ID, cs)
		wantCode(t, err, errs.Conflict, "tasks_made")
		list, err := f.svc.List(ctx, memberB)
		if err != nil || len(list) != 1 {
			t.Fatalf("member list: %v %d", err, len(list))
		}
		if list, _ := f.svc.List(ctx, outsider); len(list) != 0 {
			t.Fatalf("outsider sees %d meetings", len(list))
		}
	})
}

func newBallot(t *testing.T, f fixture, members ...*auth.Principal) *Ballot {
	t.Helper()
	nb := NewBallot{Agency: agencyLD, Question: "Đồng ý thông qua Tờ trình số 12/TTr-SKHĐT?", Deadline: f.now.Add(48 * time.Hour),
		Papers: []Paper{{DocKind: "outgoing", DocID: 1, AttachFile: true}, {DocKind: "outgoing", DocID: 2}}}
	for _, m := range members {
		nb.Members = append(nb.Members, Member{Login: m.ID, Name: m.Name})
	}
	b, err := f.svc.CreateBallot(context.Background(), leaderLD, nb)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBallotPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		_, err := f.svc.CreateBallot(ctx, leaderLD, NewBallot{Agency: agencyLD, Question: "?", Deadline: f.now.Add(time.Hour),
			Members: []Member{{Login: memberA.ID}}, Papers: []Paper{{DocKind: "outgoing", DocID: 2, AttachFile: true}}})
		wantCode(t, err, errs.Invalid, "secret_paper_file")
		if bs, _ := f.svc.ListBallots(ctx, leaderLD); len(bs) != 0 {
			t.Fatalf("refused ballot stored: %d", len(bs))
		}
		b := newBallot(t, f, memberA, memberB)
		if !b.Papers[1].PaperOnly || b.Papers[0].PaperOnly {
			t.Fatalf("papers %+v", b.Papers)
		}
		if _, err := f.svc.AnswerBallot(ctx, memberA, b.ID, Answer{Answer: "disagree"}); err != nil {
			t.Fatal(err)
		}
		// Changing before the deadline is allowed.
		if _, err := f.svc.AnswerBallot(ctx, memberA, b.ID, Answer{Answer: "agree", Comment: "Nhất trí"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AnswerBallot(ctx, outsider, b.ID, Answer{Answer: "agree"})
		wantCode(t, err, errs.Forbidden, "not_member")
		_, err = f.svc.AnswerBallot(ctx, memberB, b.ID, Answer{Answer: "other"})
		wantCode(t, err, errs.Invalid, "required")
		_, err = f.svc.PublishBallot(ctx, leaderLD, b.ID)
		wantCode(t, err, errs.Conflict, "ballot_open")

		// Privacy: B and the organiser see that A answered, not what.
		for _, p := range []*auth.Principal{memberB, leaderLD} {
			v, err := f.svc.GetBallot(ctx, p, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range v.Members {
				if m.Login == memberA.ID && (!m.Answered || m.Answer != "" || m.Comment != "") {
					t.Fatalf("%s sees A's answer before publication: %+v", p.ID, m)
				}
			}
			if v.Tally != nil {
				t.Fatal("tally before publication")
			}
		}
		v, _ := f.svc.GetBallot(ctx, memberA, b.ID)
		if v.Mine == nil || v.Mine.Answer != "agree" || v.Mine.Comment != "Nhất trí" {
			t.Fatalf("own answer: %+v", v.Mine)
		}
		_, err = f.svc.GetBallot(ctx, outsider, b.ID)
		wantCode(t, err, errs.Forbidden, "")

		// After the deadline: answers refused, nothing changed; the node publishes.
		*f.now = f.now.Add(49 * time.Hour)
		_, err = f.svc.AnswerBallot(ctx, memberA, b.ID, Answer{Answer: "disagree"})
		wantCode(t, err, errs.Conflict, "ballot_closed")
		_, err = f.svc.AnswerBallot(ctx, memberB, b.ID, Answer{Answer: "agree"})
		wantCode(t, err, errs.Conflict, "ballot_closed")
		if n, err := f.svc.PublishDue(ctx); err != nil || n != 1 {
			t.Fatalf("PublishDue: %d %v", n, err)
		}
		v, err = f.svc.GetBallot(ctx, memberB, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != "published" || *v.Tally != (Tally{Agree: 1, Unanswered: 1}) || v.Members[0].Answer != "agree" {
			t.Fatalf("published: %+v %+v", v, v.Tally)
		}
		rec, err := f.svc.BallotPDF(ctx, memberB, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		verified(t, f, rec)
		// Publishing again changes nothing.
		if again, err := f.svc.PublishBallot(ctx, leaderLD, b.ID); err != nil || *again.Tally != *v.Tally {
			t.Fatalf("republish: %v", err)
		}
	})
}

func TestBallotPublishedWhenAllAnswered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		b := newBallot(t, f, memberA, memberB)
		if _, err := f.svc.AnswerBallot(ctx, memberA, b.ID, Answer{Answer: "agree"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AnswerBallot(ctx, memberB, b.ID, Answer{Answer: "other", Comment: "Đề nghị bổ sung nguồn vốn"}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.PublishBallot(ctx, memberA, b.ID)
		wantCode(t, err, errs.Forbidden, "")
		v, err := f.svc.PublishBallot(ctx, leaderLD, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *v.Tally != (Tally{Agree: 1, Other: 1}) {
			t.Fatalf("tally %+v", v.Tally)
		}
	})
}

// BenchmarkPublish30 tallies and publishes a 30-member ballot, with and without signing the record.
func BenchmarkPublish30(b *testing.B) {
	for _, sign := range []bool{false, true} {
		b.Run(fmt.Sprintf("sign=%v", sign), func(b *testing.B) {
			d := dbtest.SQLite(b)
			f := newFixture(b, d)
			ctx := context.Background()
			ids := make([]int64, b.N)
			members := make([]Member, 30)
			for i := range members {
				members[i] = Member{Login: fmt.Sprintf("tv%02d", i), Name: fmt.Sprintf("Thành viên %d", i)}
			}
			for i := range ids {
				bl, err := f.svc.CreateBallot(ctx, leaderLD, NewBallot{Agency: agencyLD, Question: "Đồng ý?", Deadline: f.now.Add(time.Hour), Members: members})
				if err != nil {
					b.Fatal(err)
				}
				for j, m := range members {
					p := &auth.Principal{Kind: auth.KindUser, ID: m.Login}
					if _, err := f.svc.AnswerBallot(ctx, p, bl.ID, Answer{Answer: []string{"agree", "disagree", "other"}[j%3], Comment: "Ý kiến"}); err != nil {
						b.Fatal(err)
					}
				}
				ids[i] = bl.ID
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.svc.publish(ctx, leaderLD, ids[i], sign); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package office_test

import (
	"context"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/office"
)

// issueSent takes a draft through signing and issue and checks it went out through the axis.
func issueSent(t *testing.T, f fixture, d office.DraftInput) *office.Outgoing {
	t.Helper()
	o := signed(t, f, d)
	o, err := f.svc.Issue(context.Background(), clerkLD, o.ID)
	if err != nil || o.SendState != office.SendSent {
		t.Fatalf("Issue = %+v, %v", o, err)
	}
	return o
}

// TestRecallUpdateReplace: Lâm Đồng issues a decision to Đắk Lắk, which registers it; Lâm Đồng then
// issues a document recalling it; the package carries BussinessDocType 1 and the earlier DocumentId,
// the axis links the two, Đắk Lắk's earlier incoming document shows the recall and cannot be handled
// further without a note. Update and replace go the same way.
func TestRecallUpdateReplace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, office.Options{})
		ctx := context.Background()
		first := issueSent(t, f, decision("Về việc phê duyệt dự án A"))
		in1, err := f.svc.RegisterFromAxis(ctx, clerkDL, first.AxisID, ubndDL)
		if err != nil {
			t.Fatalf("RegisterFromAxis: %v", err)
		}

		// Bad references change nothing.
		bad := decision("Về việc thu hồi")
		bad.Relation = &office.Relation{Business: office.BusinessRevoke, Refers: first.ID}
		_, err = f.svc.CreateDraft(ctx, drafterLD, bad)
		wantCode(t, err, errs.Invalid, "reason_required")
		bad.Relation = &office.Relation{Business: "cancel", Refers: first.ID, Reason: "x"}
		_, err = f.svc.CreateDraft(ctx, drafterLD, bad)
		wantCode(t, err, errs.Invalid, "bad_business")
		bad.Relation = &office.Relation{Business: office.BusinessRevoke, Refers: 999, Reason: "x"}
		_, err = f.svc.CreateDraft(ctx, drafterLD, bad)
		wantCode(t, err, errs.Invalid, "unknown_document")
		paper := signed(t, f, paperOnly("Giấy"))
		if paper, err = f.svc.Issue(ctx, clerkLD, paper.ID); err != nil {
			t.Fatal(err)
		}
		bad.Relation = &office.Relation{Business: office.BusinessRevoke, Refers: paper.ID, Reason: "x"}
		_, err = f.svc.CreateDraft(ctx, drafterLD, bad)
		wantCode(t, err, errs.Conflict, "not_sent")

		// The recall.
		rd := decision("Về việc thu hồi Quyết định phê duyệt dự án A")
		rd.Relation = &office.Relation{Business: office.BusinessRevoke, Refers: first.ID, Reason: "Ban hành sai thẩm quyền"}
		recall := issueSent(t, f, rd)
		if recall.Relation == nil || recall.Relation.Business != office.BusinessRevoke || recall.Relation.Refers != first.ID ||
			recall.Relation.RefersNotation != first.NumberNotation {
			t.Fatalf("recall relation = %+v", recall.Relation)
		}
		first, err = f.svc.GetOutgoing(ctx, clerkLD, first.ID)
		if err != nil || len(first.Superseded) != 1 || first.Superseded[0].Business != office.BusinessRevoke ||
			first.Superseded[0].By != recall.ID || first.Superseded[0].ByNotation != recall.NumberNotation {
			t.Fatalf("first.Superseded = %+v, %v", first.Superseded, err)
		}
		// The axis read the business type and the reference.
		ad, err := f.axis.Get(ctx, systemLD, recall.AxisID)
		if err != nil || ad.BusinessType != 1 || ad.RelatedID != first.AxisID {
			t.Fatalf("axis document = %+v, %v; want business 1 related to %s", ad, err, first.AxisID)
		}
		// A recalled document is not recalled twice.
		again := decision("Thu hồi lần nữa")
		again.Relation = &office.Relation{Business: office.BusinessRevoke, Refers: first.ID, Reason: "x"}
		_, err = f.svc.CreateDraft(ctx, drafterLD, again)
		wantCode(t, err, errs.Conflict, "already_revoked")

		// Đắk Lắk receives the recall: its earlier document shows it.
		in2, err := f.svc.RegisterFromAxis(ctx, clerkDL, recall.AxisID, ubndDL)
		if err != nil {
			t.Fatalf("RegisterFromAxis(recall): %v", err)
		}
		if in2.Relation == nil || in2.Relation.Business != office.BusinessRevoke || in2.Relation.Refers != in1.ID ||
			in2.Relation.Reason != "Ban hành sai thẩm quyền" || in2.Relation.RefersNotation != first.NumberNotation {
			t.Fatalf("incoming recall relation = %+v", in2.Relation)
		}
		in1, err = f.svc.GetIncoming(ctx, clerkDL, in1.ID)
		if err != nil || in1.Revoked() == nil || in1.Revoked().By != in2.ID || in1.Revoked().ByNotation != recall.NumberNotation {
			t.Fatalf("earlier incoming superseded = %+v, %v", in1.Superseded, err)
		}
		// It cannot be handled further without a note; with one it can.
		_, err = f.svc.Assign(ctx, leaderDL, in1.ID, office.AssignRequest{Assignee: officerDL.ID, Department: vpDL, DueDays: 3})
		wantCode(t, err, errs.Conflict, "document_revoked")
		a, err := f.svc.Assign(ctx, leaderDL, in1.ID, office.AssignRequest{Assignee: officerDL.ID, Department: vpDL, DueDays: 3,
			Note: "Văn bản đã bị thu hồi: giao để lưu hồ sơ"})
		if err != nil {
			t.Fatalf("Assign with a note: %v", err)
		}
		_, err = f.svc.Start(ctx, officerDL, a.ID)
		wantCode(t, err, errs.Conflict, "document_revoked")
		_, err = f.svc.Complete(ctx, officerDL, a.ID, office.CompleteRequest{})
		wantCode(t, err, errs.Conflict, "document_revoked")
		if _, err := f.svc.Complete(ctx, officerDL, a.ID, office.CompleteRequest{Result: "Dừng xử lý do văn bản bị thu hồi"}); err != nil {
			t.Fatalf("Complete with a note: %v", err)
		}

		// Update and replace of a second decision.
		second := issueSent(t, f, decision("Về việc phê duyệt dự án B"))
		in3, err := f.svc.RegisterFromAxis(ctx, clerkDL, second.AxisID, ubndDL)
		if err != nil {
			t.Fatal(err)
		}
		ud := decision("Về việc phê duyệt dự án B (cập nhật)")
		ud.Relation = &office.Relation{Business: office.BusinessUpdate, Refers: second.ID, Reason: "Sửa lỗi chính tả"}
		upd := issueSent(t, f, ud)
		rp := decision("Về việc phê duyệt dự án B (thay thế)")
		rp.Relation = &office.Relation{Business: office.BusinessReplace, Refers: second.ID}
		repl := issueSent(t, f, rp)
		for _, c := range []struct {
			o    *office.Outgoing
			want int
		}{{upd, 2}, {repl, 3}} {
			ad, err := f.axis.Get(ctx, systemLD, c.o.AxisID)
			if err != nil || ad.BusinessType != c.want || ad.RelatedID != second.AxisID {
				t.Fatalf("axis document %s = %+v, %v", c.o.NumberNotation, ad, err)
			}
			if _, err := f.svc.RegisterFromAxis(ctx, clerkDL, c.o.AxisID, ubndDL); err != nil {
				t.Fatal(err)
			}
		}
		in3, err = f.svc.GetIncoming(ctx, clerkDL, in3.ID)
		if err != nil || len(in3.Superseded) != 2 || in3.Superseded[0].Business != office.BusinessUpdate ||
			in3.Superseded[1].Business != office.BusinessReplace || in3.Revoked() != nil {
			t.Fatalf("updated and replaced incoming = %+v, %v", in3.Superseded, err)
		}
		// Updated and replaced documents are still handled as usual.
		if _, err := f.svc.Assign(ctx, leaderDL, in3.ID, office.AssignRequest{Assignee: officerDL.ID, Department: vpDL, DueDays: 3}); err != nil {
			t.Fatalf("Assign(updated): %v", err)
		}
	})
}

// TestHTTPRecall: the recall through the API is a draft whose JSON description carries "relation";
// the document's JSON then shows it, and the earlier one's JSON lists the recall once issued. A
// recalled incoming document answers 409 document_revoked to an assignment without a note.
func TestHTTPRecall(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), office.Options{})
	c := client{t, testServer(t, f.svc).URL}
	ctx := context.Background()
	first := issueSent(t, f, decision("Về việc phê duyệt dự án A"))
	in1, err := f.svc.RegisterFromAxis(ctx, clerkDL, first.AxisID, ubndDL)
	if err != nil {
		t.Fatal(err)
	}
	doc := office.DraftInput{Agency: ubndLD, Type: "QĐ", Subject: "Về việc thu hồi", SignerName: "Trần Văn Bình",
		Recipients: []office.Recipient{{Agency: ubndDL}}, Relation: &office.Relation{Business: office.BusinessRevoke, Refers: first.ID}}
	var e api.ErrorBody
	ct, body := multipartDraft(t, doc, "%PDF-1.7\nthu hoi\n%%EOF\n")
	if code := c.do("POST", "/api/v1/office/outgoing", drafterLD.ID, "", ct, body, &e); code != 400 || e.Error.Reason != "reason_required" {
		t.Fatalf("a recall without a reason: %d %+v", code, e)
	}
	doc.Relation.Reason = "Ban hành sai thẩm quyền"
	var o office.Outgoing
	ct, body = multipartDraft(t, doc, "%PDF-1.7\nthu hoi\n%%EOF\n")
	if code := c.do("POST", "/api/v1/office/outgoing", drafterLD.ID, "", ct, body, &o); code != 201 || o.Relation == nil || o.Relation.Refers != first.ID {
		t.Fatalf("recall draft: %d %+v", code, o.Relation)
	}
	path := "/api/v1/office/outgoing/" + itoa(o.ID)
	for _, step := range []struct {
		user string
		to   office.OutStatus
	}{{drafterLD.ID, office.Submitted}, {leaderLD.ID, office.Approved}, {leaderLD.ID, office.Signed}, {clerkLD.ID, office.Issued}} {
		if code := c.json("POST", path+"/transitions", step.user, office.Change{To: step.to}, &o); code != 200 || o.Status != step.to {
			t.Fatalf("%s: %d %+v", step.to, code, o)
		}
	}
	var old office.Outgoing
	if code := c.do("GET", "/api/v1/office/outgoing/"+itoa(first.ID), clerkLD.ID, "", "", nil, &old); code != 200 ||
		len(old.Superseded) != 1 || old.Superseded[0].By != o.ID || old.Superseded[0].Business != office.BusinessRevoke {
		t.Fatalf("the recalled document: %d %+v", code, old.Superseded)
	}
	var in office.Incoming
	if code := c.json("POST", "/api/v1/office/incoming/from-axis", clerkDL.ID, office.AxisPickup{AxisID: o.AxisID, Action: "register"}, &in); code != 200 || in.Relation == nil {
		t.Fatalf("register the recall: %d %+v", code, in)
	}
	inPath := "/api/v1/office/incoming/" + itoa(in1.ID)
	if code := c.json("POST", inPath+"/assignments", leaderDL.ID, office.AssignRequest{Assignee: officerDL.ID, DueDays: 2}, &e); code != 409 || e.Error.Reason != "document_revoked" {
		t.Fatalf("assigning a recalled document: %d %+v", code, e)
	}
}

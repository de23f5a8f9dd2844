package office_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/office"
)

// TestPagesRecall: the outgoing page of a sent document offers recall, update and replace; the recall
// button opens the drafting form filled from the earlier document; the saved draft carries the
// relation, and once issued both documents and the recipient's incoming document say so.
func TestPagesRecall(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), office.Options{})
	ctx := context.Background()
	b := browser{t, pageServer(t, f.svc).URL}
	first := issueSent(t, f, decision("Về việc phê duyệt dự án A"))
	in1, err := f.svc.RegisterFromAxis(ctx, clerkDL, first.AxisID, ubndDL)
	if err != nil {
		t.Fatal(err)
	}
	show := fmt.Sprintf("/office/outgoing/%d", first.ID)
	wantPage(t, b.get(show, clerkLD.ID), 200, `id="supersede"`, "?refers="+fmt.Sprint(first.ID)+"&amp;business=revoke", "Thu hồi văn bản")
	if r := b.get(show, clerkDL.ID); r.code == 200 && strings.Contains(r.body, `id="supersede"`) {
		t.Fatal("another agency is offered the recall")
	}

	form := b.get(fmt.Sprintf("/office/outgoing/new?refers=%d&business=revoke", first.ID), drafterLD.ID)
	wantPage(t, form, 200, `name="relation_business" value="revoke"`, fmt.Sprintf(`name="relation_refers" value="%d"`, first.ID),
		"Văn bản thu hồi văn bản số 01/QĐ-UBND", `value="`+ubndDL+`"`)

	vals := url.Values{"agency": {ubndLD}, "type": {fmt.Sprint(first.Type)}, "subject": {"Về việc thu hồi Quyết định số 01/QĐ-UBND"},
		"signer_name": {"Trần Văn Bình"}, "signer_title": {"Chủ tịch"}, "recipients": {ubndDL}, "key": {"recall-1"},
		"relation_business": {"revoke"}, "relation_refers": {fmt.Sprint(first.ID)}}
	// Without a reason the form comes back and nothing is stored.
	wantPage(t, b.upload("/office/outgoing/new", drafterLD.ID, vals, [][3]string{{"main", "thu-hoi.pdf", pdfBody}}), 400, "say why the document is recalled")
	vals.Set("relation_reason", "Ban hành sai thẩm quyền")
	vals.Set("key", "recall-2")
	loc := wantRedirect(t, b.upload("/office/outgoing/new", drafterLD.ID, vals, [][3]string{{"main", "thu-hoi.pdf", pdfBody}}), "/office/outgoing/")
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/office/outgoing/")
	for _, step := range []struct{ user, to string }{{drafterLD.ID, "submitted"}, {leaderLD.ID, "approved"}, {leaderLD.ID, "signed"}, {clerkLD.ID, "issued"}} {
		wantRedirect(t, b.post("/office/outgoing/"+id+"/transition", step.user, url.Values{"to": {step.to}, "method": {"digital"}}), "/office/outgoing/"+id)
	}
	wantPage(t, b.get("/office/outgoing/"+id, clerkLD.ID), 200, `id="relation"`, "Văn bản thu hồi văn bản số", "01/QĐ-UBND", "Ban hành sai thẩm quyền")
	page := b.get(show, clerkLD.ID)
	wantPage(t, page, 200, "Đã bị thu hồi bởi văn bản", "02/QĐ-UBND")
	if strings.Contains(page.body, `id="supersede"`) {
		t.Fatal("a recalled document is offered the recall again")
	}

	recall, err := f.svc.GetOutgoing(ctx, clerkLD, mustID(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RegisterFromAxis(ctx, clerkDL, recall.AxisID, ubndDL); err != nil {
		t.Fatal(err)
	}
	wantPage(t, b.get(fmt.Sprintf("/office/incoming/%d", in1.ID), clerkDL.ID), 200, "Đã bị thu hồi bởi văn bản", "02/QĐ-UBND",
		"Ban hành sai thẩm quyền", "Cơ quan gửi đã thu hồi văn bản này")
}

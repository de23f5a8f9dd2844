package meeting

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/office"
)

// TestOfficePapers reads real office drafts: an ordinary one is an electronic paper, a mật one
// becomes a paper-only title and its file cannot be attached.
func TestOfficePapers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		store, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cal, err := calendar.New()
		if err != nil {
			t.Fatal(err)
		}
		off := office.New(d, store, f.reg, cal, nil, office.Options{})
		t.Cleanup(off.Close)
		f.svc.opt.Papers = OfficePapers(off)
		draft := func(subject, conf string) int64 {
			o, err := off.CreateDraft(ctx, leaderLD, office.DraftInput{Agency: agencyLD, Type: "TTr", Subject: subject, SignerName: "Trần Văn Bình",
				SignerTitle: "Chủ tịch", Confidentiality: conf, Recipients: []office.Recipient{{Name: "Lưu: VT"}},
				Main: &office.Upload{Name: "t.pdf", Body: strings.NewReader("%PDF-1.7\n% x\n" + strings.Repeat("x", 2000) + "\n%%EOF\n")}})
			if err != nil {
				t.Fatal(err)
			}
			return o.ID
		}
		plain, secret := draft("Tờ trình kế hoạch đầu tư công", ""), draft("Báo cáo tình hình an ninh", "mật")
		nb := NewBallot{Agency: agencyLD, Question: "Đồng ý?", Deadline: f.now.Add(24 * time.Hour), Members: []Member{{Login: memberA.ID}},
			Papers: []Paper{{DocKind: "outgoing", DocID: plain, AttachFile: true}, {DocKind: "outgoing", DocID: secret, AttachFile: true}}}
		_, err = f.svc.CreateBallot(ctx, leaderLD, nb)
		wantCode(t, err, errs.Invalid, "secret_paper_file")
		nb.Papers[1].AttachFile = false
		b, err := f.svc.CreateBallot(ctx, leaderLD, nb)
		if err != nil {
			t.Fatal(err)
		}
		if b.Papers[0].Title != "Tờ trình kế hoạch đầu tư công" || b.Papers[0].PaperOnly || !b.Papers[1].PaperOnly || b.Papers[1].Title != "Báo cáo tình hình an ninh" {
			t.Fatalf("papers %+v", b.Papers)
		}
	})
}

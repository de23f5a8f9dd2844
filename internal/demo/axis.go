package demo

import (
	"bytes"
	"context"
	"fmt"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
)

// exchange is one demo document: who sends it to whom, and how far the recipient got.
type exchange struct {
	from, to, subject string
	statuses          []string
}

// exchanges use departments that the end-to-end tests leave alone, so the demo's traffic never
// mixes with what a test sends.
var exchanges = []exchange{
	{"000.00.03.H36", "000.00.00.G22", "Báo cáo tình hình thực hiện thanh toán trực tuyến phí, lệ phí tỉnh Lâm Đồng năm 2026", []string{"03", "04", "05"}},
	{"000.00.00.G22", "000.00.04.H36", "Thông báo kết luận của Tổ công tác Thủ tướng Chính phủ về giải ngân vốn đầu tư công tại tỉnh Lâm Đồng", []string{"03", "04", "06"}},
	{"000.00.00.G22", "000.00.01.H16", "Thông báo kết luận của Tổ công tác Thủ tướng Chính phủ tại tỉnh Đắk Lắk", []string{"03", "04"}},
	{"000.00.03.H16", "000.00.05.H36", "Về việc trao đổi kinh nghiệm số hóa hồ sơ công việc", []string{"03"}},
	{"000.00.05.H36", "000.00.05.H16", "Về việc phối hợp chứng thực bản sao điện tử từ bản chính", nil},
	{"000.00.01.H21", "000.00.00.G22", "Báo cáo kết quả cung cấp dịch vụ công trực tuyến tỉnh Gia Lai", []string{"03", "02"}},
	{"000.00.03.H36", "000.00.03.H16", "Về việc kết nối nền tảng thanh toán trực tuyến", []string{"03", "04", "05", "06"}},
}

// loadAxis sends the demo documents through the real axis, with the recipients' status packets,
// once: a data folder that already has axis traffic is left alone.
func loadAxis(ctx context.Context, ax *axis.Service) error {
	system := &auth.Principal{Kind: auth.KindClient, ID: "demo", Name: "demo", Agency: auth.Everywhere, Subtree: true}
	items, err := ax.Sent(ctx, auth.System, exchanges[0].from, 1)
	if err != nil || len(items) > 0 {
		return err
	}
	for i, e := range exchanges {
		id := fmt.Sprintf("%s,2026/11/%02d,%d/VP", e.from, 10+i, 100+i)
		pkg := axistest.Document(axistest.Doc{DocumentID: id, From: e.from, To: []string{e.to}, Subject: e.subject,
			Attachment: []byte("%PDF-1.7 (tệp minh họa cho bản demo)")})
		if _, err := ax.Send(ctx, system, bytes.NewReader(pkg)); err != nil {
			return fmt.Errorf("demo: send %s: %w", id, err)
		}
		for _, code := range e.statuses {
			desc := map[string]string{"02": "Văn bản gửi nhầm nơi nhận", "03": "Đã vào sổ văn bản đến"}[code]
			if _, err := ax.SendStatus(ctx, system, bytes.NewReader(axistest.Status(e.to, id, code, desc))); err != nil {
				return fmt.Errorf("demo: status %s of %s: %w", code, id, err)
			}
		}
	}
	return nil
}

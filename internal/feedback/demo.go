package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
)

// demoStep is an officer's step on a demo item, taken at a moment of the demo's past.
type demoStep struct {
	at      time.Time
	officer string
	title   string
	do      func(s *Service, ctx context.Context, by *auth.Principal, code, title string) error
}

// demoItem is a demo submission received at a moment of the past, with the steps taken on it.
type demoItem struct {
	key      string
	received time.Time
	sub      Submission
	steps    []demoStep
}

// LoadDemo creates a few items in the five Central Highlands provinces of the 2020 report, as if
// they had arrived over the past weeks: answered and published questions, items in progress, one
// due soon, one rejected, one transferred after the 2025 merger, and three overdue items each in
// Đắk Lắk (H16) and Đắk Nông (H17), as the report found. Đắk Nông's and Kon Tum's agencies closed
// on 30/6/2025, so their items are dated before. It needs the demo registry and does nothing when
// the demo items exist already. Names, addresses and texts are illustrations.
func LoadDemo(ctx context.Context, svc *Service) error {
	var n int
	err := svc.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM feedback_items WHERE idempotency_key LIKE 'anonymous lienthong-demo-%'").Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	now := svc.now()
	loc := svc.cal.Location()
	// ago is hh:mm on the local day k working days before today.
	ago := func(k, hh, mm int) time.Time {
		d := svc.cal.AddWorkingDays(now, -k).In(loc)
		return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, loc)
	}
	on := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	answer := func(text string) func(*Service, context.Context, *auth.Principal, string, string) error {
		return func(s *Service, ctx context.Context, by *auth.Principal, code, title string) error {
			_, err := s.Answer(ctx, by, code, Reply{Text: text, Title: title})
			return err
		}
	}
	publish := func(s *Service, ctx context.Context, by *auth.Principal, code, _ string) error {
		_, err := s.Publish(ctx, by, code, Publication{})
		return err
	}
	assign := func(who string) func(*Service, context.Context, *auth.Principal, string, string) error {
		return func(s *Service, ctx context.Context, by *auth.Principal, code, _ string) error {
			_, err := s.Assign(ctx, by, code, Assignment{Assignee: who})
			return err
		}
	}
	items := []demoItem{
		// Lâm Đồng (H36): a published answer, an item in progress, a petition due soon.
		{key: "lienthong-demo-01", received: ago(8, 9, 15), sub: Submission{Kind: Question, Agency: "000.00.05.H36", Procedure: "2.000815.000.00.05.H36",
			Subject: "Chứng thực bản sao điện tử từ bản chính có phải mang bản chính đến không?",
			Content: "Tôi nộp hồ sơ chứng thực bản sao điện tử trực tuyến. Xin hỏi tôi có phải mang bản chính giấy tờ đến Bộ phận một cửa để đối chiếu không, và bao lâu thì nhận được kết quả?",
			Sender:  Sender{Name: "Nguyễn Văn An", Email: "an.nguyen@example.vn", Address: "Phường 4, Đà Lạt, Lâm Đồng"}},
			steps: []demoStep{
				{at: ago(5, 10, 0), officer: "Nguyễn Thị Hồng", title: "Phó Giám đốc Sở Tư pháp", do: answer("Có. Người yêu cầu chứng thực xuất trình bản chính để cơ quan đối chiếu trước khi cấp bản sao điện tử; kết quả được trả trong ngày làm việc hoặc ngày làm việc tiếp theo nếu tiếp nhận sau 15 giờ.")},
				{at: ago(5, 10, 30), officer: "Nguyễn Thị Hồng", title: "Phó Giám đốc Sở Tư pháp", do: publish},
			}},
		{key: "lienthong-demo-02", received: ago(3, 14, 0), sub: Submission{Kind: Feedback, Agency: "000.00.00.H36",
			Subject: "Bộ phận một cửa không hướng dẫn đầy đủ thành phần hồ sơ",
			Content: "Tôi phải đi lại ba lần để bổ sung giấy tờ vì mỗi lần chỉ được hướng dẫn một phần. Đề nghị hướng dẫn một lần, đầy đủ bằng văn bản.",
			Sender:  Sender{Name: "Trần Thị Lan", Phone: "0912 345 678"}},
			steps: []demoStep{{at: ago(2, 9, 0), officer: "Phạm Minh Đức", title: "Phó Chánh Văn phòng", do: assign("Trần Văn Bình")}}},
		{key: "lienthong-demo-03", received: ago(9, 8, 30), sub: Submission{Kind: Petition, Agency: "000.00.10.H36",
			Subject: "Kiến nghị công khai tiến độ cấp giấy phép xây dựng",
			Content: "Đề nghị Sở Xây dựng công khai trên cổng dịch vụ công tiến độ giải quyết từng hồ sơ cấp giấy phép xây dựng để người dân theo dõi.",
			Sender:  Sender{Name: "Lê Hoàng Nam", Email: "nam.le@example.vn"}}},

		// Đắk Lắk (H16): three overdue items and one answered late.
		{key: "lienthong-demo-04", received: ago(15, 9, 0), sub: Submission{Kind: Feedback, Agency: "000.00.02.H16",
			Subject: "Chậm giải quyết chế độ cho viên chức nghỉ hưu",
			Content: "Hồ sơ giải quyết chế độ nghỉ hưu của tôi nộp từ tháng trước đến nay chưa có kết quả và không được thông báo lý do.",
			Sender:  Sender{Name: "H'Hen Niê", Phone: "0905 111 222", Address: "Buôn Ma Thuột, Đắk Lắk"}},
			steps: []demoStep{{at: ago(14, 8, 0), officer: "Y Bhim Niê", title: "Chuyên viên Sở Nội vụ", do: assign("Y Bhim Niê")}}},
		{key: "lienthong-demo-05", received: ago(20, 10, 30), sub: Submission{Kind: Feedback, Agency: "000.00.05.H16", Procedure: "2.000884",
			Subject: "Thu phí chứng thực chữ ký không đúng quy định",
			Content: "Khi chứng thực chữ ký tại xã, tôi bị thu phí cao hơn mức niêm yết và không được cấp biên lai.",
			Sender:  Sender{Name: "Phạm Văn Hùng", Email: "hung.pham@example.vn"}}},
		{key: "lienthong-demo-06", received: ago(13, 15, 0), sub: Submission{Kind: Petition, Agency: "000.00.09.H16",
			Subject: "Kiến nghị rút ngắn thời gian cấp giấy chứng nhận quyền sử dụng đất",
			Content: "Thời gian cấp giấy chứng nhận lần đầu quá dài; đề nghị liên thông với cơ quan thuế để rút ngắn.",
			Sender:  Sender{Name: "Nguyễn Thị Mai", Address: "Krông Pắc, Đắk Lắk"}}},
		{key: "lienthong-demo-07", received: ago(25, 9, 45), sub: Submission{Kind: Petition, Agency: "000.00.11.H16",
			Subject: "Kiến nghị hỗ trợ giống cà phê tái canh",
			Content: "Đề nghị tỉnh hỗ trợ giống cà phê tái canh cho các hộ có vườn cây trên 20 năm tuổi.",
			Sender:  Sender{Name: "Y Kông Êban", Phone: "0935 222 333"}},
			steps: []demoStep{
				{at: ago(12, 16, 0), officer: "Lê Văn Thành", title: "Phó Giám đốc Sở Nông nghiệp và Phát triển nông thôn", do: answer("Sở đã tổng hợp kiến nghị vào kế hoạch tái canh cà phê năm tới; các hộ đăng ký với Ủy ban nhân dân xã để được xét hỗ trợ giống.")},
				{at: ago(11, 9, 0), officer: "Lê Văn Thành", title: "Phó Giám đốc Sở Nông nghiệp và Phát triển nông thôn", do: publish},
			}},

		// Đắk Nông (H17, merged into Lâm Đồng on 1/7/2025): three items never answered.
		{key: "lienthong-demo-08", received: on(2025, time.June, 2, 9, 0), sub: Submission{Kind: Feedback, Agency: "000.00.00.H17",
			Subject: "Đường giao thông nông thôn xuống cấp chưa được sửa chữa",
			Content: "Tuyến đường liên thôn đã hư hỏng nặng từ mùa mưa năm trước, đề nghị tỉnh chỉ đạo sửa chữa.",
			Sender:  Sender{Name: "Hoàng Văn Tú", Address: "Đắk Mil, Đắk Nông"}}},
		{key: "lienthong-demo-09", received: on(2025, time.June, 9, 10, 0), sub: Submission{Kind: Petition, Agency: "000.00.09.H17",
			Subject: "Kiến nghị giải quyết tranh chấp ranh giới đất",
			Content: "Đề nghị cơ quan chuyên môn đo đạc lại ranh giới thửa đất giáp ranh đã tranh chấp hai năm chưa được giải quyết.",
			Sender:  Sender{Name: "Đỗ Thị Hạnh", Phone: "0977 444 555"}}},
		{key: "lienthong-demo-10", received: on(2025, time.June, 16, 14, 30), sub: Submission{Kind: Feedback, Agency: "000.00.07.H17",
			Subject: "Trạm y tế xã thiếu thuốc bảo hiểm y tế",
			Content: "Trạm y tế xã nhiều lần không có thuốc theo danh mục bảo hiểm y tế, người bệnh phải tự mua.",
			Sender:  Sender{Name: "Lý Văn Sáng", Email: "sang.ly@example.vn"}}},

		// Gia Lai (H21): a published answer on upper-secondary admission and a rejected duplicate.
		{key: "lienthong-demo-11", received: ago(10, 8, 0), sub: Submission{Kind: Question, Agency: "000.00.08.H21", Procedure: "3.000181.000.00.08.H21", Field: "G03-GD10",
			Subject: "Hồ sơ tuyển sinh trung học phổ thông gồm những gì?",
			Content: "Con tôi thi tuyển vào lớp 10 năm nay. Xin hỏi hồ sơ tuyển sinh cần những giấy tờ gì và nộp trực tuyến được không?",
			Sender:  Sender{Name: "Rơ Mah Thị Hoa", Email: "hoa.romah@example.vn"}},
			steps: []demoStep{
				{at: ago(4, 14, 0), officer: "Nguyễn Văn Sơn", title: "Trưởng phòng Giáo dục trung học", do: answer("Hồ sơ gồm đơn dự tuyển, học bạ trung học cơ sở và giấy khai sinh; phụ huynh có thể nộp trực tuyến trên Cổng dịch vụ công của tỉnh.")},
				{at: ago(4, 15, 0), officer: "Nguyễn Văn Sơn", title: "Trưởng phòng Giáo dục trung học", do: publish},
			}},
		{key: "lienthong-demo-12", received: ago(6, 11, 0), sub: Submission{Kind: Feedback, Agency: "000.00.09.H21",
			Subject: "Khai thác cát trái phép trên sông Ba",
			Content: "Tình trạng khai thác cát trái phép vào ban đêm vẫn tiếp diễn.",
			Sender:  Sender{Name: "Ksor Nay", Phone: "0868 666 777"}},
			steps: []demoStep{{at: ago(5, 9, 0), officer: "Trần Quốc Việt", title: "Chánh Thanh tra Sở", do: func(s *Service, ctx context.Context, by *auth.Principal, code, _ string) error {
				_, err := s.Reject(ctx, by, code, Rejection{Reason: "Trùng nội dung với phản ánh đã được Sở trả lời trong tháng; Sở đã phối hợp với công an huyện kiểm tra."})
				return err
			}}}},

		// Kon Tum (H34, merged into Quảng Ngãi on 1/7/2025): sent before the merger, transferred
		// to Quảng Ngãi after it and answered there, late.
		{key: "lienthong-demo-13", received: on(2025, time.June, 23, 9, 0), sub: Submission{Kind: Feedback, Agency: "000.00.00.H34",
			Subject: "Chậm chi trả tiền bồi thường giải phóng mặt bằng",
			Content: "Gia đình tôi đã bàn giao mặt bằng từ đầu năm nhưng chưa nhận đủ tiền bồi thường.",
			Sender:  Sender{Name: "A Thắng", Address: "Đắk Hà, Kon Tum"}},
			steps: []demoStep{
				{at: on(2025, time.July, 2, 8, 30), officer: "Đinh Văn Hải", title: "Văn phòng Ủy ban nhân dân tỉnh", do: func(s *Service, ctx context.Context, by *auth.Principal, code, _ string) error {
					_, err := s.Transfer(ctx, by, code, Transfer{Agency: "000.00.00.H48", Reason: "Tỉnh Kon Tum hợp nhất vào tỉnh Quảng Ngãi từ 01/7/2025; Ủy ban nhân dân tỉnh Quảng Ngãi tiếp tục giải quyết."})
					return err
				}},
				{at: on(2025, time.July, 10, 15, 0), officer: "Võ Thị Thu", title: "Phó Chánh Văn phòng Ủy ban nhân dân tỉnh Quảng Ngãi", do: answer("Ủy ban nhân dân tỉnh đã chỉ đạo chi trả phần tiền bồi thường còn lại trong tháng 7/2025.")},
			}},
	}
	for _, d := range items {
		at := func(t time.Time) *Service {
			c := *svc
			c.opt.Now = func() time.Time { return t }
			return &c
		}
		d.sub.IdempotencyKey = d.key
		it, err := at(d.received).Submit(ctx, nil, d.sub)
		if err != nil {
			return fmt.Errorf("feedback.LoadDemo(%s): %w", d.key, err)
		}
		for _, st := range d.steps {
			// The demo loader acts as an officer named in the timeline (actor user:demo).
			by := &auth.Principal{Kind: auth.KindUser, ID: "demo", Name: st.officer, Grants: []auth.Grant{{Role: auth.Officer, Agency: auth.Everywhere}}}
			if err := st.do(at(st.at), ctx, by, it.Code, st.title); err != nil {
				return fmt.Errorf("feedback.LoadDemo(%s): %w", d.key, err)
			}
		}
	}
	return nil
}

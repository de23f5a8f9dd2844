// Package demomeeting loads the demo's meeting and ballot. It is apart from internal/demo because
// meetings read office documents, and the office's tests use internal/demo.
package demomeeting

import (
	"context"
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/meeting"
	"github.com/lienthong/lienthong/internal/vn"
)

var ictZone = vn.ICT

// Load holds a meeting of Lâm Đồng's People's Committee whose conclusions become tasks,
// and opens a written-opinion ballot that two of three members have answered.
func Load(ctx context.Context, d *db.DB, meetings *meeting.Service) error {
	person := func(login, name string, role auth.Role) *auth.Principal {
		return &auth.Principal{Kind: auth.KindUser, ID: login, Name: name, Grants: []auth.Grant{{Role: role, Agency: "000.00.00.H36"}}}
	}
	leader := person("lanhdao.lamdong", "Phạm Minh Đức", auth.Leader)
	clerk := person("vanthu.lamdong", "Trần Thị Thu", auth.Clerk)
	now := d.Now().In(ictZone)
	m, err := meetings.Create(ctx, leader, meeting.NewMeeting{Agency: "000.00.00.H36", Title: "Phiên họp UBND tỉnh Lâm Đồng thường kỳ tháng 11",
		Kind: "provincial_committee", StartsAt: now.AddDate(0, 0, -3), Place: "Phòng họp số 1, UBND tỉnh", Chair: "Phạm Minh Đức",
		Items: []meeting.Item{{Position: 1, Title: "Tình hình chuyển đổi số và dịch vụ công trực tuyến", PresenterAgency: "000.00.02.H36"},
			{Position: 2, Title: "Kế hoạch sắp xếp đơn vị hành chính cấp xã", PresenterAgency: "000.00.02.H36"}},
		Participants: []meeting.Participant{{Login: "lanhdao.lamdong", Attendance: "present"}, {Login: "vanthu.lamdong", Attendance: "present"},
			{Login: "motcua.lamdong", Attendance: "remote"}},
		IdempotencyKey: "demo-meeting-1"})
	if err != nil {
		return fmt.Errorf("demo: meeting: %w", err)
	}
	if len(m.Conclusions) > 0 {
		return nil // loaded by an earlier start of the demo
	}
	if _, err := meetings.SetConclusions(ctx, leader, m.ID, []meeting.Conclusion{
		{Content: "Sở Nội vụ hoàn thiện đề án sắp xếp đơn vị hành chính cấp xã", LeadAgency: "000.00.02.H36", Deadline: now.AddDate(0, 1, 0).Format(time.DateOnly), ItemPosition: 2},
		{Content: "Báo cáo hằng tháng tỷ lệ hồ sơ trực tuyến toàn trình", LeadAgency: "000.00.02.H36", Ongoing: true, ItemPosition: 1},
	}); err != nil {
		return fmt.Errorf("demo: conclusions: %w", err)
	}
	if _, err := meetings.MakeTasks(ctx, leader, m.ID); err != nil {
		return fmt.Errorf("demo: conclusions to tasks: %w", err)
	}
	b, err := meetings.CreateBallot(ctx, leader, meeting.NewBallot{Agency: "000.00.00.H36",
		Question: "Thông qua dự thảo Quy chế tiếp nhận, trả kết quả hồ sơ trực tuyến toàn trình của tỉnh?",
		Deadline: now.AddDate(0, 0, 7), IdempotencyKey: "demo-ballot-1",
		Members: []meeting.Member{{Login: "lanhdao.lamdong", Name: "Phạm Minh Đức"}, {Login: "vanthu.lamdong", Name: "Trần Thị Thu"},
			{Login: "motcua.lamdong", Name: "Trần Thị Mai"}}})
	if err != nil {
		return fmt.Errorf("demo: ballot: %w", err)
	}
	if _, err := meetings.AnswerBallot(ctx, leader, b.ID, meeting.Answer{Answer: "agree"}); err != nil {
		return fmt.Errorf("demo: ballot answer: %w", err)
	}
	_, err = meetings.AnswerBallot(ctx, clerk, b.ID, meeting.Answer{Answer: "other", Comment: "Đề nghị bổ sung quy định về thời hạn bổ sung hồ sơ."})
	return err
}

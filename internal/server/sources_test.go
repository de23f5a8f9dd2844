package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/meeting"
	"github.com/lienthong/lienthong/internal/scorecard"
	"github.com/lienthong/lienthong/internal/task"
)

// The scorecard shows the other modules' figures: a task assigned to Lâm Đồng appears in its row.
func TestScorecardSources(t *testing.T) {
	n := newNode(t)
	ctx := context.Background()
	if _, err := n.Tasks.Create(ctx, auth.System, task.Assignment{DirectiveKind: "TB", DirectiveNumber: "1/TB-VPCP", Content: "Báo cáo",
		Lead: "000.00.02.H36", Authority: "TTG", Deadline: "2099-12-31"}); err != nil {
		t.Fatal(err)
	}
	now := n.DB.Now()
	p, err := scorecard.ParsePeriod(now.Format("2006-01"), now.Format("2006-01"), now)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := n.Scorecard.Get(ctx, auth.System, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sc.Rows {
		if r.Code == "000.00.00.H36" {
			if got := r.Values["tasks_assigned"]; got != 1 {
				t.Errorf("tasks_assigned of Lâm Đồng = %v, want 1 (values %v)", got, r.Values)
			}
			return
		}
	}
	t.Fatalf("no row for Lâm Đồng in %d rows", len(sc.Rows))
}

// A meeting's conclusions become tasks of the People's Committee in one step, linked back; doing it
// again creates nothing new.
func TestMeetingConclusionsBecomeTasks(t *testing.T) {
	n := newNode(t)
	ctx := context.Background()
	leader := &auth.Principal{Kind: auth.KindUser, ID: "lanhdao.h36", UserID: 1, Name: "Lãnh đạo",
		Grants: []auth.Grant{{Role: auth.Leader, Agency: "000.00.00.H36"}}}
	m, err := n.Meetings.Create(ctx, leader, meeting.NewMeeting{Agency: "000.00.00.H36", Title: "Họp UBND tỉnh tháng 12",
		Kind: "provincial_committee", StartsAt: n.DB.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Meetings.SetConclusions(ctx, leader, m.ID, []meeting.Conclusion{
		{Content: "Sở Nội vụ trình đề án sắp xếp đơn vị", LeadAgency: "000.00.02.H36", Deadline: "2099-03-31"},
		{Content: "Báo cáo tiến độ chuyển đổi số", LeadAgency: "000.00.02.H36", Ongoing: true},
	}); err != nil {
		t.Fatal(err)
	}
	first, err := n.Meetings.MakeTasks(ctx, leader, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := n.Meetings.MakeTasks(ctx, leader, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Conclusions) != 2 || first.Conclusions[0].TaskID == "" || first.Conclusions[1].TaskID == first.Conclusions[0].TaskID {
		t.Fatalf("conclusions after making tasks: %+v", first.Conclusions)
	}
	for i := range first.Conclusions {
		if again.Conclusions[i].TaskID != first.Conclusions[i].TaskID {
			t.Errorf("conclusion %d: task %s the first time, %s the second", i, first.Conclusions[i].TaskID, again.Conclusions[i].TaskID)
		}
	}
	list, err := n.Tasks.List(ctx, auth.System, task.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Authority != "UBND" {
		t.Errorf("tasks: %d, first %+v; want 2 assigned by the People's Committee", len(list), list)
	}
}

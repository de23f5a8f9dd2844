package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/feedback"
	"github.com/lienthong/lienthong/internal/national"
	"github.com/lienthong/lienthong/internal/scorecard"
	"github.com/lienthong/lienthong/internal/task"
)

// TestActivity generates two years of activity through the real services and checks that the
// scorecard shows the picture it was built to show.
func TestActivity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg, err := agency.NewRegistry(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		as, err := auth.NewService(ctx, d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 5, LockoutDuration: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.Load(ctx, reg, as, nil); err != nil {
			t.Fatal(err)
		}
		cat, err := catalog.New(ctx, d, reg.Exists)
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadProcedures(ctx, cat); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadApplicants(ctx, as); err != nil {
			t.Fatal(err)
		}
		blobs, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cal, err := calendar.New()
		if err != nil {
			t.Fatal(err)
		}
		s := demo.ActivityServices{DB: d, Auth: as, Axis: axis.New(d, blobs, reg, axis.DefaultOptions()),
			Dossiers: dossier.New(d, blobs, cat, reg, cal, dossier.Options{}), Feedback: feedback.New(d, cal, reg, feedback.Options{})}
		start := time.Now()
		if err := demo.LoadActivity(ctx, s, 24); err != nil {
			t.Fatal(err)
		}
		t.Logf("24 months of activity in %v", time.Since(start))
		if err := demo.LoadActivity(ctx, s, 24); err != nil { // again: nothing more
			t.Fatal(err)
		}
		sc := scorecard.New(d, reg, scorecard.Options{})
		now := time.Now()
		p, err := scorecard.ParsePeriod(scorecard.MonthOf(now).Add(-11).String(), scorecard.MonthOf(now).String(), now)
		if err != nil {
			t.Fatal(err)
		}
		viewer := &auth.Principal{Kind: auth.KindUser, ID: "v", Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.G22"}}}
		card, err := sc.Get(ctx, viewer, p)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]float64{}
		for _, r := range card.Rows {
			got[r.Code] = r.Values
		}
		for code, want := range map[string]map[string]float64{
			"000.00.00.H36": {"axis_exchanged": 120, "axis_growth": 5, "dossier_received": 72, "online_share": 50, "feedback_overdue": 0},
			"000.00.00.H16": {"axis_exchanged": 60, "axis_growth": 2.5, "dossier_received": 48, "online_share": 25, "feedback_overdue": 3},
			"000.00.00.H21": {"axis_exchanged": 48, "axis_growth": 2, "dossier_received": 36, "online_share": 0},
		} {
			for k, w := range want {
				if got[code][k] != w {
					t.Errorf("%s %s = %v, want %v", code, k, got[code][k], w)
				}
			}
		}
		// Gia Lai settles every third counter dossier late; Lâm Đồng is ahead on time.
		if ld, gl := got["000.00.00.H36"]["on_time_rate"], got["000.00.00.H21"]["on_time_rate"]; !(ld > gl && gl > 0 && gl < 100) {
			t.Errorf("on-time rates: Lâm Đồng %v, Gia Lai %v", ld, gl)
		}
		// The hub: each province synchronises its dossiers; Gia Lai's wrong procedure codes and Đắk
		// Lắk's wrong dossier codes are refused and counted by kind; tasks run on time, late or open.
		nat := national.New(d, national.Options{Procedures: national.CatalogLookup(cat)})
		tasks := task.New(d, cal, reg, task.Options{})
		hub := demo.HubServices{DB: d, National: nat, Tasks: tasks}
		if err := demo.LoadHub(ctx, hub); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadHub(ctx, hub); err != nil { // again: nothing more
			t.Fatal(err)
		}
		figs, err := nat.Figures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		refused := map[string]map[national.ErrorKind]int64{}
		for _, f := range figs {
			refused[f.Province] = f.Refused
		}
		if refused["000.00.00.H21"][national.BadProcedure] == 0 || refused["000.00.00.H16"][national.BadDossierCode] == 0 || len(refused["000.00.00.H36"]) != 0 {
			t.Errorf("refusals by province: %v", refused)
		}
		rows, err := tasks.ProvinceFigures(ctx, task.Period{})
		if err != nil {
			t.Fatal(err)
		}
		var assigned, onTime, late int
		for _, r := range rows {
			assigned, onTime, late = assigned+r.Assigned, onTime+r.OnTime, late+r.Late
		}
		if assigned != 24 || onTime == 0 || late == 0 {
			t.Errorf("tasks: %d assigned, %d on time, %d late; want 24 with some of each (%+v)", assigned, onTime, late, rows)
		}
		if d.Now().Sub(time.Now()) > time.Second || time.Now().Sub(d.Now()) > time.Second {
			t.Error("the database clock was not restored")
		}
	})
}

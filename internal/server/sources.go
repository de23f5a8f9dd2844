package server

import (
	"context"
	"strings"

	"github.com/lienthong/lienthong/internal/scorecard"
	"github.com/lienthong/lienthong/internal/task"
)

// The scorecard's figures from the modules it does not fold itself. Each reads its module's own
// counters; the scorecard keys them by province root code (000.00.00.H36).

// provinceRoot turns a level-1 code (H36) into its root identifier code; full codes pass unchanged.
func provinceRoot(code string) string {
	if strings.Contains(code, ".") {
		return code
	}
	return "000.00.00." + code
}

type syncSource struct{ n *Node }

func (syncSource) Name() string { return "national" }

func (syncSource) Indicators() []scorecard.Indicator {
	ind := []scorecard.Indicator{
		{Key: "sync_dossiers", Group: "sync", Vi: "Hồ sơ đồng bộ lên Cổng quốc gia", En: "Dossiers synchronised", Unit: "count", Current: true},
		{Key: "sync_refused", Group: "sync", Vi: "Bản ghi bị từ chối", En: "Records refused", Unit: "count", Current: true},
		{Key: "sync_refused:dossier_code", Group: "sync", Vi: "Sai mã hồ sơ", En: "Wrong dossier code", Unit: "count", Current: true},
		{Key: "sync_refused:procedure_code", Group: "sync", Vi: "Sai mã thủ tục hành chính", En: "Wrong procedure code", Unit: "count", Current: true},
		{Key: "online_services", Group: "portal", Vi: "Dịch vụ công trực tuyến tích hợp", En: "Online services integrated", Unit: "count", Current: true},
		{Key: "online_services_share", Group: "portal", Vi: "Tỷ lệ dịch vụ trực tuyến (%)", En: "Online services (%)", Unit: "percent", Current: true},
		{Key: "online_target", Group: "portal", Vi: "Chỉ tiêu (%)", En: "Target (%)", Unit: "percent", Current: true},
	}
	for i := range ind {
		ind[i].Source = "national"
	}
	return ind
}

func (s syncSource) Figures(ctx context.Context, _ scorecard.Period) (map[string]map[string]float64, error) {
	rows, err := s.n.National.Figures(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]float64{}
	for _, r := range rows {
		m := map[string]float64{"sync_dossiers": float64(r.Synced), "online_services": float64(r.ServicesOnline),
			"online_target": 100 * r.OnlineTarget}
		var refused int64
		for kind, k := range r.Refused {
			m["sync_refused:"+string(kind)] = float64(k)
			refused += k
		}
		m["sync_refused"] = float64(refused)
		if r.ServicesTotal > 0 {
			m["online_services_share"] = 100 * float64(r.ServicesOnline) / float64(r.ServicesTotal)
		}
		out[provinceRoot(r.Province)] = m
	}
	return out, nil
}

type paymentSource struct{ n *Node }

func (paymentSource) Name() string { return "payment" }

func (paymentSource) Indicators() []scorecard.Indicator {
	return []scorecard.Indicator{
		{Key: "payment_connected", Group: "payment", Vi: "Đã kết nối thanh toán trực tuyến", En: "Connected to online payment", Unit: "bool", Source: "payment", Current: true},
		{Key: "payments", Group: "payment", Vi: "Giao dịch thanh toán thành công", En: "Successful payments", Unit: "count", Source: "payment"},
		{Key: "payment_amount", Group: "payment", Vi: "Giá trị thanh toán (đồng)", En: "Amount paid (VND)", Unit: "vnd", Source: "payment"},
	}
}

func (s paymentSource) Figures(ctx context.Context, p scorecard.Period) (map[string]map[string]float64, error) {
	rows, err := s.n.Payments.MonthlyFigures(ctx)
	if err != nil {
		return nil, err
	}
	from, to := p.From.String(), p.To.String()
	out := map[string]map[string]float64{}
	for _, r := range rows {
		key := provinceRoot(r.Province)
		if out[key] == nil {
			out[key] = map[string]float64{}
		}
		// Connected: the province has taken a successful payment through the platform at any time.
		if r.Payments > 0 {
			out[key]["payment_connected"] = 1
		}
		if r.Month < from || r.Month > to {
			continue
		}
		out[key]["payments"] += float64(r.Payments)
		out[key]["payment_amount"] += float64(r.Value)
	}
	return out, nil
}

type taskSource struct{ n *Node }

func (taskSource) Name() string { return "task" }

func (taskSource) Indicators() []scorecard.Indicator {
	ind := []scorecard.Indicator{
		{Key: "tasks_assigned", Group: "task", Vi: "Nhiệm vụ được giao", En: "Tasks assigned", Unit: "count"},
		{Key: "tasks_on_time", Group: "task", Vi: "Hoàn thành đúng hạn", En: "Completed on time", Unit: "count"},
		{Key: "tasks_late", Group: "task", Vi: "Hoàn thành quá hạn", En: "Completed late", Unit: "count"},
		{Key: "tasks_in_progress", Group: "task", Vi: "Đang thực hiện", En: "In progress", Unit: "count", Current: true},
		{Key: "tasks_overdue", Group: "task", Vi: "Quá hạn", En: "Overdue", Unit: "count", Current: true},
	}
	for i := range ind {
		ind[i].Source = "task"
	}
	return ind
}

func (s taskSource) Figures(ctx context.Context, p scorecard.Period) (map[string]map[string]float64, error) {
	rows, err := s.n.Tasks.ProvinceFigures(ctx, task.Period{From: p.From.String(), To: p.To.String()})
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]float64{}
	for _, r := range rows {
		out[provinceRoot(r.Province)] = map[string]float64{"tasks_assigned": float64(r.Assigned), "tasks_on_time": float64(r.OnTime),
			"tasks_late": float64(r.Late), "tasks_in_progress": float64(r.InProgress), "tasks_overdue": float64(r.Overdue)}
	}
	return out, nil
}

var (
	_ scorecard.Source = syncSource{}
	_ scorecard.Source = paymentSource{}
	_ scorecard.Source = taskSource{}
)

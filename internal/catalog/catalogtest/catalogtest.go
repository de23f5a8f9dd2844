// Package catalogtest builds synthetic procedure catalogues for tests and benchmarks.
package catalogtest

import (
	"context"
	"fmt"

	"github.com/lienthong/lienthong/internal/catalog"
)

var (
	verbs   = []string{"Cấp", "Cấp lại", "Cấp đổi", "Đăng ký", "Thẩm định", "Chứng thực", "Gia hạn", "Điều chỉnh", "Thu hồi", "Xác nhận"}
	objects = []string{"giấy phép", "giấy chứng nhận", "chứng chỉ hành nghề", "bản sao", "hồ sơ", "quyết định", "thông báo", "văn bằng"}
	topics  = []string{"xây dựng", "kinh doanh", "đất đai", "môi trường", "lao động", "y tế", "giáo dục", "du lịch", "vận tải",
		"thủy sản", "lâm nghiệp", "hộ tịch", "đầu tư", "khoáng sản", "văn hóa", "thể thao", "báo chí", "dược phẩm", "an toàn thực phẩm", "điện lực"}
	fields = []catalog.Field{{Code: "G15-CT", Name: "Chứng thực"}, {Code: "G15-HT", Name: "Hộ tịch"}, {Code: "G05-DN", Name: "Thành lập và hoạt động doanh nghiệp"},
		{Code: "G17-XD", Name: "Hoạt động xây dựng"}, {Code: "G13-DD", Name: "Đất đai"}, {Code: "G13-MT", Name: "Môi trường"},
		{Code: "G07-VL", Name: "Việc làm"}, {Code: "G18-KCB", Name: "Khám bệnh, chữa bệnh"}, {Code: "G03-GD10", Name: "Giáo dục trung học"},
		{Code: "G04-DB", Name: "Đường bộ"}, {Code: "G10-QL", Name: "Quản lý chất lượng nông lâm sản và thủy sản"}, {Code: "G14-BC", Name: "Báo chí"}}
	// Agencies are active demo agencies (internal/demo/data/agencies.csv).
	Agencies = []string{"000.00.05.H36", "000.00.05.H16", "000.00.05.H21", "000.00.04.H36", "000.00.09.H16", "000.00.10.H21", "000.00.00.H48"}
)

// Procedures returns n valid, distinct procedures (codes 1.100001 upwards, and 2.000815), with
// fees, dossier components and instances at Agencies.
func Procedures(n int) []*catalog.Procedure {
	out := make([]*catalog.Procedure, 0, n)
	for i := 0; i < n; i++ {
		code := fmt.Sprintf("1.%06d", 100001+i)
		name := fmt.Sprintf("%s %s %s %d", verbs[i%len(verbs)], objects[i/len(verbs)%len(objects)], topics[i/7%len(topics)], i)
		if i == 0 {
			code, name = "2.000815", "Chứng thực bản sao điện tử từ bản chính"
		}
		lv := []catalog.Level{catalog.Levels[i%4]}
		if i%3 == 0 {
			lv = append(lv, catalog.Levels[(i+1)%4])
		}
		days := i % 31
		p := &catalog.Procedure{Code: code, Name: name, Field: fields[i%len(fields)], Levels: lv, ProcessingDays: days,
			Fees:       []catalog.Fee{{Name: "Lệ phí cấp giấy", Kind: catalog.KindCharge, Amount: int64(i%20) * 50000}},
			Components: []catalog.Component{{Name: "Đơn đề nghị theo mẫu", Required: true, Copies: 1, FileTypes: []string{"pdf", "docx"}}, {Name: "Giấy tờ tùy thân", Required: i%2 == 0, Copies: 1}},
			Online:     catalog.OnlineLevels[i%3], Result: "Giấy phép", LegalBasis: "Nghị định minh họa"}
		for j := 0; j < 1+i%2; j++ {
			a := Agencies[(i+j)%len(Agencies)]
			in := catalog.Instance{Code: code + "." + a, Online: j == 0}
			if j == 1 {
				d := days + 1
				in.ProcessingDays = &d
				in.Fees = []catalog.Fee{}
			}
			p.Instances = append(p.Instances, in)
		}
		out = append(out, p)
	}
	return out
}

// Exists accepts the codes in Agencies, as agency.Registry.Exists does for the demo registry.
func Exists(_ context.Context, code string) bool {
	for _, a := range Agencies {
		if a == code {
			return true
		}
	}
	return false
}

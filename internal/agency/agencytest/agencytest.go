// Package agencytest builds registry fixtures for tests and benchmarks.
package agencytest

import (
	"fmt"
	"strings"
)

var provinceNames = []string{"An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
	"Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
	"Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng",
	"Hậu Giang", "Hồ Chí Minh", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng",
	"Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
	"Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
	"Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái"}

var departments = []string{"Văn phòng Ủy ban nhân dân", "Sở Nội vụ", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Tư pháp",
	"Sở Thông tin và Truyền thông", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Tài nguyên và Môi trường", "Sở Xây dựng",
	"Sở Nông nghiệp và Phát triển nông thôn", "Sở Lao động - Thương binh và Xã hội", "Sở Công Thương", "Sở Giao thông vận tải",
	"Sở Văn hóa, Thể thao và Du lịch", "Sở Khoa học và Công nghệ", "Thanh tra tỉnh", "Ban Dân tộc", "Sở Ngoại vụ", "Ban Quản lý các khu công nghiệp"}

var communeWords = []string{"Hòa", "Tân", "Phú", "Đông", "Tây", "Nam", "Bắc", "Thạnh", "Lộc", "Xuân", "Đức", "Quảng", "Ea", "Ia", "Đắk", "Kon"}

// CSV returns a synthetic registry in the import layout with 63 provinces, each with its People's
// Committee and Council, 20 departments, districts and communes per district: about
// 63 × (22 + districts × (1 + communes)) rows, with realistic Vietnamese names.
func CSV(districts, communes int) string {
	var b strings.Builder
	b.WriteString("code,name,abbreviation,kind,level,effective_from,effective_to,successor,on_axis\n")
	for p, name := range provinceNames {
		l1 := fmt.Sprintf("H%02d", p+1)
		fmt.Fprintf(&b, "000.00.00.%s,Ủy ban nhân dân tỉnh %s,UBND,province_committee,province,2016-04-01,,,true\n", l1, name)
		fmt.Fprintf(&b, "000.00.00.K%02d,Hội đồng nhân dân tỉnh %s,HĐND,province_council,province,2016-04-01,,,true\n", p+1, name)
		for d, dep := range departments {
			fmt.Fprintf(&b, "000.00.%02d.%s,\"%s tỉnh %s\",S%d,department,province,2016-04-01,,,true\n", d+1, l1, dep, name, d+1)
		}
		for d := 0; d < districts; d++ {
			dn := communeWords[(p+d)%len(communeWords)] + " " + communeWords[(p*3+d*5+1)%len(communeWords)]
			fmt.Fprintf(&b, "000.00.%02d.%s,Ủy ban nhân dân huyện %s %d,UBND,district,district,2016-04-01,,,true\n", 30+d, l1, dn, d+1)
			for c := 0; c < communes; c++ {
				cn := communeWords[(c+d)%len(communeWords)] + " " + communeWords[(c*7+p)%len(communeWords)]
				fmt.Fprintf(&b, "000.%02d.%02d.%s,Ủy ban nhân dân xã %s %d huyện %s,UBND,commune,commune,2016-04-01,,,%v\n",
					c+1, 30+d, l1, cn, c+1, dn, c%3 != 0)
			}
		}
	}
	return b.String()
}

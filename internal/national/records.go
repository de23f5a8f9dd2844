// Package national is the national hub's dossier synchronisation (đồng bộ hồ sơ, vn-standards
// §3.3): provinces send DongBoHoSoMC and CapNhatTienDoHoSoMC records, the hub checks each one on
// its own, keeps the good ones, answers the bad ones with their reason and counts them per province.
// The same binary serves as the national node and as provincial nodes.
package national

import (
	"time"

	"github.com/lienthong/lienthong/internal/vn"
)

var ict = vn.ICT

// DateLayout is the national portal's date format, yyyyMMddHHmmss in Asia/Ho_Chi_Minh.
const DateLayout = "20060102150405"

// ParseDate reads a yyyyMMddHHmmss date in Asia/Ho_Chi_Minh.
func ParseDate(s string) (time.Time, error) { return time.ParseInLocation(DateLayout, s, ict) }

// FormatDate writes t as yyyyMMddHHmmss in Asia/Ho_Chi_Minh.
func FormatDate(t time.Time) string { return t.In(ict).Format(DateLayout) }

// Document is an entry of TaiLieuNop (a submitted file).
type Document struct {
	TepDinhKemId      string `json:"TepDinhKemId"`
	TenTepDinhKem     string `json:"TenTepDinhKem"`
	IsDeleted         bool   `json:"IsDeleted"`
	MaThanhPhanHoSo   string `json:"MaThanhPhanHoSo"`
	DuongDanTaiTepTin string `json:"DuongDanTaiTepTin"`
}

// Fee is an entry of DanhSachLePhi.
type Fee struct {
	TenPhiLePhi  string `json:"TenPhiLePhi"`
	MaPhiLePhi   string `json:"MaPhiLePhi"`
	HinhThucThu  string `json:"HinhThucThu"`
	Gia          int64  `json:"Gia"`
	LoaiPhiLePhi string `json:"LoaiPhiLePhi"`
}

// OtherPaper is an entry of DanhSachTepDinhKemKhac.
type OtherPaper struct {
	TenGiayTo  string `json:"TenGiayTo"`
	SoLuong    int    `json:"SoLuong"`
	LoaiGiayTo string `json:"LoaiGiayTo"`
}

// Supplement is an entry of DanhSachHoSoBoSung (a request for more documents).
type Supplement struct {
	HoSoBoSungId         string `json:"HoSoBoSungId"`
	NguoiYeuCauBoSung    string `json:"NguoiYeuCauBoSung"`
	NoiDungBoSung        string `json:"NoiDungBoSung"`
	NgayBoSung           string `json:"NgayBoSung"`
	NguoiTiepNhanBoSung  string `json:"NguoiTiepNhanBoSung"`
	ThongTinTiepNhan     string `json:"ThongTinTiepNhan"`
	NgayTiepNhanBoSung   string `json:"NgayTiepNhanBoSung"`
	TrangThaiBoSung      int    `json:"TrangThaiBoSung"`
	DanhSachGiayToBoSung string `json:"DanhSachGiayToBoSung"`
	DanhSachLePhiBoSung  string `json:"DanhSachLePhiBoSung"`
	NgayHenTraTruoc      string `json:"NgayHenTraTruoc"`
	NgayHenTraMoi        string `json:"NgayHenTraMoi"`
}

// ResultPaper is an entry of DanhSachGiayToKetQua.
type ResultPaper struct {
	TenGiayTo            string `json:"TenGiayTo"`
	MaThanhPhanHoSo      string `json:"MaThanhPhanHoSo"`
	GiayToId             string `json:"GiayToId"`
	DuongDanTepTinKetQua string `json:"DuongDanTepTinKetQua"`
}

// DossierRecord is a DongBoHoSoMC record, field names as the national portal has them. Dates
// are yyyyMMddHHmmss in Asia/Ho_Chi_Minh. SoThuTu is our addition: the province's sequence number
// of the record, used to find gaps (OpenCPS leaves it out, which is fine).
type DossierRecord struct {
	MaHoSo                 string        `json:"MaHoSo"`
	MaTTHC                 string        `json:"MaTTHC"`
	TenTTHC                string        `json:"TenTTHC"`
	MaLinhVuc              string        `json:"MaLinhVuc"`
	TenLinhVuc             string        `json:"TenLinhVuc"`
	SoBienNhan             string        `json:"SoBienNhan"`
	ChuHoSo                string        `json:"ChuHoSo"`
	LoaiDoiTuong           string        `json:"LoaiDoiTuong"`
	MaDoiTuong             string        `json:"MaDoiTuong"`
	ThongTinKhac           string        `json:"ThongTinKhac"`
	Email                  string        `json:"Email"`
	Fax                    string        `json:"Fax"`
	SoDienThoai            string        `json:"SoDienThoai"`
	TrichYeuHoSo           string        `json:"TrichYeuHoSo"`
	NgayTiepNhan           string        `json:"NgayTiepNhan"`
	NgayHenTra             string        `json:"NgayHenTra"`
	TrangThaiHoSo          string        `json:"TrangThaiHoSo"`
	NgayTra                string        `json:"NgayTra"`
	ThongTinTra            string        `json:"ThongTinTra"`
	HinhThuc               string        `json:"HinhThuc"`
	NgayKetThucXuLy        string        `json:"NgayKetThucXuLy"`
	DonViXuLy              string        `json:"DonViXuLy"`
	GhiChu                 string        `json:"GhiChu"`
	TaiLieuNop             []Document    `json:"TaiLieuNop"`
	DanhSachLePhi          []Fee         `json:"DanhSachLePhi"`
	DanhSachTepDinhKemKhac []OtherPaper  `json:"DanhSachTepDinhKemKhac"`
	DanhSachHoSoBoSung     []Supplement  `json:"DanhSachHoSoBoSung"`
	DanhSachGiayToKetQua   []ResultPaper `json:"DanhSachGiayToKetQua"`
	SoThuTu                int64         `json:"SoThuTu,omitempty"`
}

// ProgressRecord is a CapNhatTienDoHoSoMC record: one processing step of a dossier.
type ProgressRecord struct {
	MaHoSo                 string `json:"MaHoSo"`
	NguoiXuLy              string `json:"NguoiXuLy"`
	ChucDanh               string `json:"ChucDanh"`
	ThoiDiemXuLy           string `json:"ThoiDiemXuLy"`
	PhongBanXuLy           string `json:"PhongBanXuLy"`
	NoiDungXuLy            string `json:"NoiDungXuLy"`
	TrangThai              string `json:"TrangThai"`
	NgayBatDau             string `json:"NgayBatDau"`
	NgayKetThucTheoQuyDinh string `json:"NgayKetThucTheoQuyDinh"`
	SoThuTu                int64  `json:"SoThuTu,omitempty"`
}

// ErrorKind names why a record was refused; the province fixes records by kind.
type ErrorKind string

// The kinds of refusal. The messages are the national portal's words where it has them.
const (
	BadDossierCode ErrorKind = "dossier_code"   // sai mã hồ sơ
	BadProcedure   ErrorKind = "procedure_code" // sai mã thủ tục hành chính
	BadStatus      ErrorKind = "status"         // sai trạng thái hồ sơ
	BadDate        ErrorKind = "date"           // sai định dạng ngày
	BadRecord      ErrorKind = "record"         // other defects (missing fields)
	UnknownDossier ErrorKind = "unknown_dossier"
)

// ErrorKinds lists the kinds in display order.
var ErrorKinds = []ErrorKind{BadDossierCode, BadProcedure, BadStatus, BadDate, BadRecord, UnknownDossier}

var kindPrefix = map[ErrorKind]string{
	BadDossierCode: "sai mã hồ sơ",
	BadProcedure:   "sai mã thủ tục hành chính",
	BadStatus:      "sai trạng thái hồ sơ",
	BadDate:        "sai định dạng ngày",
	BadRecord:      "thiếu thông tin hồ sơ",
	UnknownDossier: "hồ sơ chưa được đồng bộ",
}

// Result answers one record of a batch, in the order sent.
type Result struct {
	MaHoSo string `json:"MaHoSo"`
	// Outcome is "created", "updated", "unchanged" or "refused".
	Outcome string    `json:"outcome"`
	Kind    ErrorKind `json:"error_kind,omitempty"`
	Message string    `json:"message,omitempty"`
}

// The outcomes of a record.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
	Refused   = "refused"
)

func refuse(code string, kind ErrorKind, detail string) Result {
	msg := kindPrefix[kind]
	if detail != "" {
		msg += ": " + detail
	}
	return Result{MaHoSo: code, Outcome: Refused, Kind: kind, Message: msg}
}

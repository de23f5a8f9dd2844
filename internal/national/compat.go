package national

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
)

// ClientAuth checks machine client credentials and the tokens it issues (auth.Service does: the
// same IssueToken as the OAuth token endpoint, so a compat session is a short-lived signed bearer
// token and needs no table).
type ClientAuth interface {
	IssueToken(ctx context.Context, clientID, secret string) (auth.Token, error)
	TokenPrincipal(token string) (*auth.Principal, error)
}

// Compat serves the national portal's wire envelope (vn-standards §3.3) so that OpenCPS and
// similar one-stop systems can point at the hub unchanged:
//
//	POST /compat/dvcqg/login   {"username","password"} → {"error_code":0,"session":"…"}
//	POST /compat/dvcqg/service {"session","madonvi","service",…} → {"error_code","message","result":[…]}
//
// Both are raw handlers with their own authentication (the session).
type Compat struct {
	National *Service
	Auth     ClientAuth
	// Catalog and Agencies answer LayThuTuc, LayDanhSachTTHC, LayDanhMucLinhVuc and
	// LayDanhMucCoQuan; nil leaves those services unavailable.
	Catalog  *catalog.Catalog
	Agencies *agency.Registry
}

type envelope struct {
	Session    string          `json:"session"`
	MaDonVi    string          `json:"madonvi"`
	Service    string          `json:"service"`
	IsUpdating any             `json:"isUpdating,omitempty"`
	Data       json.RawMessage `json:"data"`
	MaTTHC     string          `json:"MaTTHC,omitempty"`
	MaHoSo     string          `json:"MaHoSo,omitempty"`
}

// Answer is the envelope's reply.
type Answer struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message,omitempty"`
	Session   string `json:"session,omitempty"`
	Result    any    `json:"result,omitempty"`
}

// recordAnswer is one result in the national portal's shape.
type recordAnswer struct {
	MaHoSo    string    `json:"MaHoSo"`
	ErrorCode int       `json:"error_code"`
	Message   string    `json:"message"`
	Kind      ErrorKind `json:"error_kind,omitempty"`
	Outcome   string    `json:"outcome"`
}

func reply(w http.ResponseWriter, a Answer) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK) // the portal answers 200 and carries failure in error_code
	_ = json.NewEncoder(w).Encode(a)
}

// Login handles POST /compat/dvcqg/login.
func (c *Compat) Login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
		reply(w, Answer{ErrorCode: 400, Message: "yêu cầu không đúng định dạng JSON"})
		return
	}
	tok, err := c.Auth.IssueToken(r.Context(), in.Username, in.Password)
	if err != nil {
		reply(w, Answer{ErrorCode: 401, Message: "sai tên đăng nhập hoặc mật khẩu"})
		return
	}
	reply(w, Answer{ErrorCode: 0, Session: tok.AccessToken})
}

// Service handles POST /compat/dvcqg/service.
func (c *Compat) Service(w http.ResponseWriter, r *http.Request) {
	var in envelope
	if err := json.NewDecoder(io.LimitReader(r.Body, 32<<20)).Decode(&in); err != nil {
		reply(w, Answer{ErrorCode: 400, Message: "yêu cầu không đúng định dạng JSON"})
		return
	}
	p, err := c.Auth.TokenPrincipal(in.Session)
	if err != nil {
		reply(w, Answer{ErrorCode: 401, Message: "phiên làm việc không hợp lệ hoặc đã hết hạn, hãy đăng nhập lại"})
		return
	}
	ctx := r.Context()
	switch in.Service {
	case "DongBoHoSoMC":
		var recs []DossierRecord
		if err := json.Unmarshal(in.Data, &recs); err != nil {
			reply(w, Answer{ErrorCode: 400, Message: "data không đúng cấu trúc DongBoHoSoMC: " + err.Error()})
			return
		}
		res, err := c.National.IngestDossiers(ctx, p, recs)
		c.batchReply(w, res, err)
	case "CapNhatTienDoHoSoMC":
		var recs []ProgressRecord
		if err := json.Unmarshal(in.Data, &recs); err != nil {
			reply(w, Answer{ErrorCode: 400, Message: "data không đúng cấu trúc CapNhatTienDoHoSoMC: " + err.Error()})
			return
		}
		res, err := c.National.IngestProgress(ctx, p, recs)
		c.batchReply(w, res, err)
	case "TraCuuHoSo":
		d, err := c.National.Lookup(ctx, in.MaHoSo)
		if err != nil {
			reply(w, Answer{ErrorCode: 404, Message: "không tìm thấy hồ sơ " + in.MaHoSo})
			return
		}
		reply(w, Answer{Result: []Dossier{d}})
	case "LayThuTuc", "LayDanhSachTTHC", "LayDanhMucLinhVuc":
		if c.Catalog == nil {
			reply(w, Answer{ErrorCode: 503, Message: "danh mục thủ tục chưa sẵn sàng"})
			return
		}
		c.catalogue(w, in)
	case "LayDanhMucCoQuan":
		if c.Agencies == nil {
			reply(w, Answer{ErrorCode: 503, Message: "danh mục cơ quan chưa sẵn sàng"})
			return
		}
		type row struct {
			MaCoQuan  string `json:"MaCoQuan"`
			TenCoQuan string `json:"TenCoQuan"`
			MaCha     string `json:"MaCha"`
		}
		out := []row{}
		for _, a := range c.Agencies.Index().All() {
			out = append(out, row{a.Code, a.Name, a.Parent})
		}
		reply(w, Answer{Result: out})
	default:
		reply(w, Answer{ErrorCode: 404, Message: "dịch vụ không được hỗ trợ: " + in.Service})
	}
}

func (c *Compat) batchReply(w http.ResponseWriter, res []Result, err error) {
	if err != nil {
		reply(w, Answer{ErrorCode: 400, Message: err.Error()})
		return
	}
	out := make([]recordAnswer, len(res))
	refused := 0
	for i, r := range res {
		out[i] = recordAnswer{MaHoSo: r.MaHoSo, Message: r.Message, Kind: r.Kind, Outcome: r.Outcome}
		if r.Outcome == Refused {
			out[i].ErrorCode = 1
			refused++
		} else {
			out[i].Message = "thành công"
		}
	}
	a := Answer{Result: out, Message: "thành công"}
	if refused > 0 {
		a.Message = "có hồ sơ bị từ chối, xem result"
	}
	reply(w, a)
}

type procedureRow struct {
	MaTTHC     string `json:"MaTTHC"`
	TenTTHC    string `json:"TenTTHC"`
	MaLinhVuc  string `json:"MaLinhVuc"`
	TenLinhVuc string `json:"TenLinhVuc"`
	MucDo      string `json:"MucDo"`
}

func (c *Compat) catalogue(w http.ResponseWriter, in envelope) {
	ix := c.Catalog.Index()
	switch in.Service {
	case "LayThuTuc":
		p, ok := ix.Get(in.MaTTHC)
		if !ok {
			reply(w, Answer{ErrorCode: 404, Message: "sai mã thủ tục hành chính: " + in.MaTTHC})
			return
		}
		reply(w, Answer{Result: []*catalog.Procedure{p}})
	case "LayDanhSachTTHC":
		out := []procedureRow{}
		for _, p := range ix.All() {
			out = append(out, procedureRow{p.Code, p.Name, p.Field.Code, p.Field.Name, string(p.Online)})
		}
		reply(w, Answer{Result: out})
	default:
		type field struct {
			MaLinhVuc  string `json:"MaLinhVuc"`
			TenLinhVuc string `json:"TenLinhVuc"`
		}
		out := []field{}
		for _, f := range ix.Fields() {
			out = append(out, field{f.Code, f.Name})
		}
		reply(w, Answer{Result: out})
	}
}

package national

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// canRead tells whether p may read a province's synchronisation data: anyone holding a role over
// the province (its officers fix the refused records), and its own connected systems.
func canRead(p *auth.Principal, province string) error {
	if p == nil {
		return errs.New(errs.Unauthorized, "please log in")
	}
	if p.ActsFor(province) {
		return nil
	}
	for _, r := range auth.Roles {
		if p.Can(r, province) {
			return nil
		}
	}
	return errs.Reasonf(errs.Forbidden, "missing_role", "%s may not read the synchronisation of %s", p.Actor(), province)
}

func provinceParam(s string) (string, error) {
	c, err := vn.ParseAgencyCode(strings.TrimSpace(s))
	if err != nil || c.Depth() != 1 {
		return "", errs.Reasonf(errs.Invalid, "bad_province", "province: want a depth-1 identifier code such as 000.00.00.H36, got %q", s)
	}
	return c.String(), nil
}

// Refusal is a refused record the province should fix and send again.
type Refusal struct {
	ID      int64           `json:"id"`
	Service string          `json:"service"`
	MaHoSo  string          `json:"MaHoSo"`
	Kind    ErrorKind       `json:"error_kind"`
	Message string          `json:"message"`
	Record  json.RawMessage `json:"record"`
	At      time.Time       `json:"at"`
}

// Refusals lists a province's refused records, newest first.
func (s *Service) Refusals(ctx context.Context, p *auth.Principal, province string, limit int) ([]Refusal, error) {
	province, err := provinceParam(province)
	if err != nil {
		return nil, err
	}
	if err := canRead(p, province); err != nil {
		return nil, err
	}
	out := []Refusal{}
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, service, dossier_code, kind, message, record, at FROM national_refusals WHERE province = ? ORDER BY id DESC LIMIT ?", province, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Refusal
			var rec string
			if err := rows.Scan(&r.ID, &r.Service, &r.MaHoSo, &r.Kind, &r.Message, &rec, &r.At); err != nil {
				return err
			}
			r.Record = json.RawMessage(rec)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// Gap is a run of sequence numbers the hub has not received, From to To inclusive.
type Gap struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// Gaps is the sequence state of a province.
type Gaps struct {
	Province string `json:"province"`
	// Contiguous is the highest number up to which every record has arrived.
	Contiguous int64 `json:"contiguous"`
	Highest    int64 `json:"highest"`
	Missing    []Gap `json:"missing"`
}

// Gaps returns the runs of sequence numbers a province should send again.
func (s *Service) Gaps(ctx context.Context, p *auth.Principal, province string) (Gaps, error) {
	province, err := provinceParam(province)
	if err != nil {
		return Gaps{}, err
	}
	if err := canRead(p, province); err != nil {
		return Gaps{}, err
	}
	g := Gaps{Province: province, Missing: []Gap{}}
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT contiguous FROM national_provinces WHERE province = ?", province).Scan(&g.Contiguous)
		if err != nil && !db.IsNoRows(err) {
			return err
		}
		g.Highest = g.Contiguous
		rows, err := tx.Query(ctx, "SELECT seq FROM national_seqs WHERE province = ? AND seq > ? ORDER BY seq", province, g.Contiguous)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return err
			}
			if v > g.Highest+1 {
				g.Missing = append(g.Missing, Gap{From: g.Highest + 1, To: v - 1})
			}
			g.Highest = v
		}
		return rows.Err()
	})
	return g, err
}

// Figures are a province's synchronisation figures for the scorecard.
type Figures struct {
	Province   string              `json:"province"`
	Synced     int64               `json:"dossiers_synced"`
	Progress   int64               `json:"progress_records"`
	Refused    map[ErrorKind]int64 `json:"refused"`
	LastSyncAt *time.Time          `json:"last_sync_at,omitempty"`
	Contiguous int64               `json:"contiguous"`
	// ServicesOnline of ServicesTotal procedure instances of the province are offered online,
	// against OnlineTarget (0.3 unless configured); zero when no catalogue is connected.
	ServicesOnline int     `json:"services_online"`
	ServicesTotal  int     `json:"services_total"`
	OnlineTarget   float64 `json:"online_target"`
	OnTarget       bool    `json:"on_target"`
}

// Figures returns every province's counters, read from the counters table (never by scanning
// dossiers).
func (s *Service) Figures(ctx context.Context) ([]Figures, error) {
	by := map[string]*Figures{}
	var order []string
	get := func(prov string) *Figures {
		f, ok := by[prov]
		if !ok {
			f = &Figures{Province: prov, Refused: map[ErrorKind]int64{}}
			by[prov] = f
			order = append(order, prov)
		}
		return f
	}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT province, contiguous, last_sync_at FROM national_provinces ORDER BY province")
		if err != nil {
			return err
		}
		for rows.Next() {
			var prov string
			var contiguous int64
			var last *time.Time
			if err := rows.Scan(&prov, &contiguous, &last); err != nil {
				rows.Close()
				return err
			}
			f := get(prov)
			f.Contiguous, f.LastSyncAt = contiguous, last
		}
		rows.Close()
		rows, err = tx.Query(ctx, "SELECT province, kind, n FROM national_counters ORDER BY province, kind")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var prov, kind string
			var n int64
			if err := rows.Scan(&prov, &kind, &n); err != nil {
				return err
			}
			f := get(prov)
			switch kind {
			case "synced":
				f.Synced = n
			case "progress":
				f.Progress = n
			default:
				f.Refused[ErrorKind(kind)] = n
			}
		}
		return rows.Err()
	})
	out := make([]Figures, 0, len(order))
	for _, p := range order {
		f := *by[p]
		f.OnlineTarget = s.opt.OnlineTarget
		if s.opt.Catalog != nil {
			f.ServicesOnline, f.ServicesTotal, _ = OnlineShare(s.opt.Catalog.Index(), p)
			f.OnTarget = f.ServicesTotal > 0 && float64(f.ServicesOnline) >= f.OnlineTarget*float64(f.ServicesTotal)
		}
		out = append(out, f)
	}
	return out, err
}

// Step is one processing step of a dossier as the hub holds it.
type Step struct {
	At      time.Time        `json:"at"`
	Status  vn.DossierStatus `json:"status"`
	Officer string           `json:"officer,omitempty"`
	Unit    string           `json:"unit,omitempty"`
	Content string           `json:"content,omitempty"`
}

// Dossier is a dossier at the hub with its history.
type Dossier struct {
	Code          string           `json:"code"`
	Province      string           `json:"province"`
	Agency        string           `json:"agency"`
	ProcedureCode string           `json:"procedure_code"`
	ProcedureName string           `json:"procedure_name"`
	Applicant     string           `json:"applicant"`
	Status        vn.DossierStatus `json:"status"`
	StatusName    string           `json:"status_name"`
	ReceivedAt    time.Time        `json:"received_at"`
	DueAt         string           `json:"due_at,omitempty"`
	History       []Step           `json:"history"`
}

// maskName keeps only the given name: "Nguyễn Văn An" → "N. V. An".
func maskName(name string) string {
	words := strings.Fields(name)
	if len(words) <= 1 {
		return name
	}
	var b strings.Builder
	for _, w := range words[:len(words)-1] {
		b.WriteString(string([]rune(w)[:1]) + ". ")
	}
	return b.String() + words[len(words)-1]
}

func (s *Service) load(ctx context.Context, tx *db.Tx, where string, args ...any) ([]Dossier, error) {
	rows, err := tx.Query(ctx, "SELECT code, province, agency_code, procedure_code, applicant_name, status, received_at, record FROM national_dossiers WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	out := []Dossier{}
	for rows.Next() {
		var d Dossier
		var rec string
		if err := rows.Scan(&d.Code, &d.Province, &d.Agency, &d.ProcedureCode, &d.Applicant, &d.Status, &d.ReceivedAt, &rec); err != nil {
			rows.Close()
			return nil, err
		}
		var r DossierRecord
		_ = json.Unmarshal([]byte(rec), &r)
		d.ProcedureName, d.DueAt, d.StatusName = r.TenTTHC, r.NgayHenTra, d.Status.Vietnamese()
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].History = []Step{}
		steps, err := tx.Query(ctx, "SELECT at, status, record FROM national_progress WHERE dossier_code = ? ORDER BY at, content_hash", out[i].Code)
		if err != nil {
			return nil, err
		}
		for steps.Next() {
			var st Step
			var rec string
			if err := steps.Scan(&st.At, &st.Status, &rec); err != nil {
				steps.Close()
				return nil, err
			}
			var r ProgressRecord
			_ = json.Unmarshal([]byte(rec), &r)
			st.Officer, st.Unit, st.Content = r.NguoiXuLy, r.PhongBanXuLy, r.NoiDungXuLy
			out[i].History = append(out[i].History, st)
		}
		steps.Close()
		if err := steps.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Lookup finds one dossier by code for anyone: the applicant's name is masked.
func (s *Service) Lookup(ctx context.Context, code string) (Dossier, error) {
	if _, err := vn.ParseDossierCode(code); err != nil {
		return Dossier{}, errs.Reasonf(errs.Invalid, "bad_dossier_code", "%s", err.Error())
	}
	var out []Dossier
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.load(ctx, tx, "code = ?", code)
		return err
	})
	if err != nil {
		return Dossier{}, err
	}
	if len(out) == 0 {
		return Dossier{}, errs.Reasonf(errs.NotFound, "unknown_dossier", "no dossier %s at the national hub", code)
	}
	d := out[0]
	d.Applicant = maskName(d.Applicant)
	for i := range d.History {
		d.History[i].Officer = "" // officers' names stay with the province
	}
	return d, nil
}

// Mine lists a citizen's or business's dossiers from every province, matched on MaDoiTuong
// against the account's identification number and tax code.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]Dossier, error) {
	if p == nil || !p.IsApplicant() {
		return nil, errs.Reasonf(errs.Forbidden, "applicants_only", "only a citizen or business account has dossiers of its own")
	}
	if s.opt.Applicants == nil {
		return nil, errs.Reasonf(errs.Unavailable, "no_applicants", "the national lookup is not connected to accounts")
	}
	a, err := s.opt.Applicants.Applicant(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	ids := []any{}
	for _, id := range []string{a.IdentificationNumber, a.TaxCode} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return []Dossier{}, nil
	}
	var out []Dossier
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.load(ctx, tx, "applicant_id IN ("+placeholders(len(ids), 1)+") ORDER BY received_at DESC LIMIT 500", ids...)
		return err
	})
	return out, err
}

// ProvinceDossiers lists the dossiers of a province at the hub, newest first.
func (s *Service) ProvinceDossiers(ctx context.Context, p *auth.Principal, province string, limit, offset int) ([]Dossier, error) {
	province, err := provinceParam(province)
	if err != nil {
		return nil, err
	}
	if err := canRead(p, province); err != nil {
		return nil, err
	}
	var out []Dossier
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.load(ctx, tx, "province = ? ORDER BY received_at DESC, code LIMIT ? OFFSET ?", province, limit, offset)
		return err
	})
	return out, err
}

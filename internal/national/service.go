package national

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// MaxBatch is the most records a batch may carry.
const MaxBatch = 1000

// ProcedureLookup tells whether a procedure is in the national catalogue (known) and whether the
// agency (or an agency of its tree) carries it out (offered).
type ProcedureLookup func(procedure, agency string) (known, offered bool)

// CatalogLookup answers from the catalogue's current snapshot: a procedure is offered by an agency
// when one of its instances belongs to that agency, to an agency above it or to one below it (a
// one-stop department receives for the agencies of its tree).
func CatalogLookup(c *catalog.Catalog) ProcedureLookup {
	return func(procedure, agency string) (bool, bool) {
		p, ok := c.Index().Get(procedure)
		if !ok {
			return false, false
		}
		for _, in := range p.Instances {
			if auth.ScopeCovers(in.Agency, agency) || auth.ScopeCovers(agency, in.Agency) {
				return true, true
			}
		}
		return true, false
	}
}

// Applicants reads an applicant's profile (auth.Service does).
type Applicants interface {
	Applicant(ctx context.Context, userID int64) (auth.Applicant, error)
}

// Options configure the service.
type Options struct {
	// Procedures checks procedure codes; nil accepts any well-formed code.
	Procedures ProcedureLookup
	// Applicants finds a citizen's identification number for the national lookup.
	Applicants Applicants
	// Catalog, when set, gives the figures each province's online services (from its in-memory
	// snapshot, not a table scan).
	Catalog *catalog.Catalog
	// OnlineTarget is the share of procedures each province should offer online (default 0.3).
	OnlineTarget float64
}

// Service is the national hub's store of synchronised dossiers.
type Service struct {
	db  *db.DB
	opt Options
}

// New returns the service.
func New(d *db.DB, opt Options) *Service {
	if opt.OnlineTarget == 0 {
		opt.OnlineTarget = 0.3
	}
	return &Service{db: d, opt: opt}
}

// provinceOf is the depth-1 agency of the client's tree, such as 000.00.00.H36.
func provinceOf(p *auth.Principal) (string, error) {
	if p == nil || p.Kind != auth.KindClient {
		return "", errs.Reasonf(errs.Forbidden, "client_only", "only a province's connected system may send records")
	}
	c, err := vn.ParseAgencyCode(p.Agency)
	if err != nil {
		return "", errs.Reasonf(errs.Forbidden, "client_agency", "the client's agency %q is not an identifier code", p.Agency)
	}
	return c.RootCode().String(), nil
}

func checkBatch(n int) error {
	if n == 0 {
		return errs.Reasonf(errs.Invalid, "empty_batch", "the batch holds no record")
	}
	if n > MaxBatch {
		return errs.Reasonf(errs.Invalid, "batch_too_large", "a batch holds at most %d records, got %d", MaxBatch, n)
	}
	return nil
}

// checkCode parses a dossier code and checks the client may send it.
func checkCode(p *auth.Principal, code string) (vn.DossierCode, *Result) {
	dc, err := vn.ParseDossierCode(code)
	if err != nil {
		msg := err.Error()
		if ce, ok := err.(*vn.CodeError); ok {
			msg = ce.ReasonVI
		}
		r := refuse(code, BadDossierCode, msg)
		return dc, &r
	}
	if !p.ActsFor(dc.Agency.String()) {
		r := refuse(code, BadDossierCode, "cơ quan "+dc.Agency.String()+" không thuộc đơn vị gửi")
		return dc, &r
	}
	return dc, nil
}

func optionalDate(code, name, s string) (time.Time, *Result) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := ParseDate(s)
	if err != nil {
		r := refuse(code, BadDate, name+" "+strconv.Quote(s)+" không đúng dạng yyyyMMddHHmmss")
		return t, &r
	}
	return t, nil
}

func parseStatus(code, s string) (vn.DossierStatus, *Result) {
	st, err := vn.ParseDossierStatus(strings.TrimSpace(s))
	if err != nil {
		r := refuse(code, BadStatus, "cần số từ 1 đến 10, nhận được "+strconv.Quote(s))
		return 0, &r
	}
	return st, nil
}

// dossierRow is a checked DongBoHoSoMC record ready to store.
type dossierRow struct {
	i                  int
	code, agency       string
	rec                *DossierRecord
	status             vn.DossierStatus
	received, statusAt time.Time
	hash               string
	body               string
}

// checkDossier validates one record on its own.
func (s *Service) checkDossier(p *auth.Principal, rec *DossierRecord) (dossierRow, *Result) {
	code := strings.TrimSpace(rec.MaHoSo)
	dc, bad := checkCode(p, code)
	if bad != nil {
		return dossierRow{}, bad
	}
	agency := dc.Agency.String()
	if _, err := vn.ParseProcedureCode(rec.MaTTHC); err != nil {
		r := refuse(code, BadProcedure, strconv.Quote(rec.MaTTHC)+" không đúng dạng mã thủ tục")
		return dossierRow{}, &r
	}
	if s.opt.Procedures != nil {
		known, offered := s.opt.Procedures(rec.MaTTHC, agency)
		if !known {
			r := refuse(code, BadProcedure, rec.MaTTHC+" không có trong Cơ sở dữ liệu quốc gia về TTHC")
			return dossierRow{}, &r
		}
		if !offered {
			r := refuse(code, BadProcedure, rec.MaTTHC+" không được công bố thực hiện tại "+agency)
			return dossierRow{}, &r
		}
	}
	st, bad := parseStatus(code, rec.TrangThaiHoSo)
	if bad != nil {
		return dossierRow{}, bad
	}
	if rec.NgayTiepNhan == "" {
		r := refuse(code, BadDate, "thiếu NgayTiepNhan")
		return dossierRow{}, &r
	}
	received, bad := optionalDate(code, "NgayTiepNhan", rec.NgayTiepNhan)
	if bad != nil {
		return dossierRow{}, bad
	}
	statusAt := received
	for _, f := range [][2]string{{"NgayHenTra", rec.NgayHenTra}, {"NgayTra", rec.NgayTra}, {"NgayKetThucXuLy", rec.NgayKetThucXuLy}} {
		t, bad := optionalDate(code, f[0], f[1])
		if bad != nil {
			return dossierRow{}, bad
		}
		if f[0] != "NgayHenTra" && t.After(statusAt) {
			statusAt = t
		}
	}
	if rec.ChuHoSo == "" {
		r := refuse(code, BadRecord, "thiếu ChuHoSo")
		return dossierRow{}, &r
	}
	body, _ := json.Marshal(rec)
	sum := sha256.Sum256(body)
	return dossierRow{code: code, agency: agency, rec: rec, status: st, received: received.UTC(), statusAt: statusAt.UTC(),
		hash: hex.EncodeToString(sum[:16]), body: string(body)}, nil
}

// existing is what the hub holds of a dossier.
type existing struct {
	province, hash string
	received       time.Time
	status         int
	statusAt       time.Time
}

// loadExisting reads the dossiers of codes, a few hundred per query.
func loadExisting(ctx context.Context, tx *db.Tx, codes []string) (map[string]existing, error) {
	out := make(map[string]existing, len(codes))
	for len(codes) > 0 {
		n := min(len(codes), 500)
		chunk := codes[:n]
		codes = codes[n:]
		args := make([]any, len(chunk))
		for i, c := range chunk {
			args[i] = c
		}
		rows, err := tx.Query(ctx, "SELECT code, province, content_hash, received_at, status, status_at FROM national_dossiers WHERE code IN ("+
			placeholders(len(chunk), 1)+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var code string
			var e existing
			if err := rows.Scan(&code, &e.province, &e.hash, &e.received, &e.status, &e.statusAt); err != nil {
				rows.Close()
				return nil, err
			}
			out[code] = e
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// placeholders returns n groups of cols "?" marks: "(?, ?), (?, ?)" or, for cols 1, "?, ?".
func placeholders(n, cols int) string {
	var b strings.Builder
	group := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	if cols == 1 {
		group = "?"
	}
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(group)
	}
	return b.String()
}

// IngestDossiers checks and stores a DongBoHoSoMC batch from a province's connected system. Each
// record gets its own result; good records are kept even when others are refused.
func (s *Service) IngestDossiers(ctx context.Context, p *auth.Principal, recs []DossierRecord) ([]Result, error) {
	province, err := provinceOf(p)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(len(recs)); err != nil {
		return nil, err
	}
	results := make([]Result, len(recs))
	var good []dossierRow
	seen := map[string]int{}
	for i := range recs {
		row, bad := s.checkDossier(p, &recs[i])
		if bad != nil {
			results[i] = *bad
			continue
		}
		row.i = i
		// A code twice in one batch: the later record wins, the earlier one is answered unchanged.
		if j, ok := seen[row.code]; ok {
			results[good[j].i] = Result{MaHoSo: row.code, Outcome: Unchanged}
			good[j] = row
			continue
		}
		seen[row.code] = len(good)
		good = append(good, row)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		codes := make([]string, len(good))
		for i, g := range good {
			codes[i] = g.code
		}
		have, err := loadExisting(ctx, tx, codes)
		if err != nil {
			return err
		}
		var fresh []dossierRow
		created := 0
		for _, g := range good {
			e, ok := have[g.code]
			switch {
			case !ok:
				fresh = append(fresh, g)
				results[g.i] = Result{MaHoSo: g.code, Outcome: Created}
				created++
			case e.hash == g.hash || g.received.Before(e.received):
				results[g.i] = Result{MaHoSo: g.code, Outcome: Unchanged}
			case dossier.Final(vn.DossierStatus(e.status)) && g.status != vn.DossierStatus(e.status):
				// The hub sees snapshots, so steps may be skipped; only leaving a closed dossier
				// (not accepted, withdrawn, stopped, returned) is impossible.
				results[g.i] = refuse(g.code, BadStatus, "hồ sơ đã kết thúc ở trạng thái "+strconv.Itoa(e.status)+", không thể chuyển sang "+strconv.Itoa(int(g.status)))
			default:
				// The status follows the record unless a later progress record already moved it.
				status, statusAt := int(g.status), g.statusAt
				if e.statusAt.After(statusAt) {
					status, statusAt = e.status, e.statusAt
				}
				if _, err := tx.Exec(ctx, `UPDATE national_dossiers SET agency_code = ?, procedure_code = ?, applicant_id = ?, applicant_name = ?,
					status = ?, received_at = ?, status_at = ?, content_hash = ?, record = ?, updated_at = ? WHERE code = ?`,
					g.agency, g.rec.MaTTHC, g.rec.MaDoiTuong, g.rec.ChuHoSo, status, g.received, statusAt, g.hash, g.body, tx.Now, g.code); err != nil {
					return err
				}
				results[g.i] = Result{MaHoSo: g.code, Outcome: Updated}
			}
		}
		for len(fresh) > 0 {
			n := min(len(fresh), 200)
			args := make([]any, 0, n*12)
			for _, g := range fresh[:n] {
				args = append(args, g.code, province, g.agency, g.rec.MaTTHC, g.rec.MaDoiTuong, g.rec.ChuHoSo, int(g.status),
					g.received, g.statusAt, g.hash, g.body, tx.Now)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO national_dossiers (code, province, agency_code, procedure_code, applicant_id, applicant_name,
				status, received_at, status_at, content_hash, record, updated_at) VALUES `+placeholders(n, 12), args...); err != nil {
				return err
			}
			fresh = fresh[n:]
		}
		seqs := make([]int64, 0, len(recs))
		for i := range recs {
			if recs[i].SoThuTu > 0 {
				seqs = append(seqs, recs[i].SoThuTu)
			}
		}
		return s.account(ctx, tx, province, "DongBoHoSoMC", created, results, func(i int) any { return recs[i] }, seqs)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// account records refusals, bumps the province's counters and sequence numbers, all in the
// batch's transaction.
func (s *Service) account(ctx context.Context, tx *db.Tx, province, service string, synced int, results []Result, rec func(int) any, seqs []int64) error {
	counts := map[string]int{}
	if synced > 0 {
		counts[counterSynced(service)] = synced
	}
	for i, r := range results {
		if r.Outcome != Refused {
			continue
		}
		counts[string(r.Kind)]++
		body, _ := json.Marshal(rec(i))
		if _, err := tx.Exec(ctx, "INSERT INTO national_refusals (province, service, dossier_code, kind, message, record, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			province, service, r.MaHoSo, string(r.Kind), r.Message, string(body), tx.Now); err != nil {
			return err
		}
	}
	for kind, n := range counts {
		if _, err := tx.Exec(ctx, `INSERT INTO national_counters (province, kind, n) VALUES (?, ?, ?)
			ON CONFLICT (province, kind) DO UPDATE SET n = national_counters.n + excluded.n`, province, kind, n); err != nil {
			return err
		}
	}
	var contiguous int64
	err := tx.QueryRow(ctx, "SELECT contiguous FROM national_provinces WHERE province = ?"+tx.ForUpdate(), province).Scan(&contiguous)
	if db.IsNoRows(err) {
		if _, err := tx.Exec(ctx, "INSERT INTO national_provinces (province, contiguous, last_sync_at) VALUES (?, 0, ?)", province, tx.Now); err != nil {
			return err
		}
	} else if err != nil {
		return err
	} else if _, err := tx.Exec(ctx, "UPDATE national_provinces SET last_sync_at = ? WHERE province = ?", tx.Now, province); err != nil {
		return err
	}
	return recordSeqs(ctx, tx, province, contiguous, seqs)
}

func counterSynced(service string) string {
	if service == "DongBoHoSoMC" {
		return "synced"
	}
	return "progress"
}

// recordSeqs keeps the sequence numbers above the contiguous one and advances it over those now
// without a gap.
func recordSeqs(ctx context.Context, tx *db.Tx, province string, contiguous int64, seqs []int64) error {
	var above []int64
	for _, n := range seqs {
		if n > contiguous {
			above = append(above, n)
		}
	}
	if len(above) == 0 {
		return nil
	}
	for len(above) > 0 {
		n := min(len(above), 400)
		args := make([]any, 0, 2*n)
		for _, v := range above[:n] {
			args = append(args, province, v)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO national_seqs (province, seq) VALUES "+placeholders(n, 2)+" ON CONFLICT (province, seq) DO NOTHING", args...); err != nil {
			return err
		}
		above = above[n:]
	}
	rows, err := tx.Query(ctx, "SELECT seq FROM national_seqs WHERE province = ? ORDER BY seq", province)
	if err != nil {
		return err
	}
	next := contiguous
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		if v == next+1 {
			next = v
		} else if v > next+1 {
			break
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if next == contiguous {
		return nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM national_seqs WHERE province = ? AND seq <= ?", province, next); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "UPDATE national_provinces SET contiguous = ? WHERE province = ?", next, province)
	return err
}

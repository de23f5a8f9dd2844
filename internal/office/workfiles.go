package office

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// FileCode returns a work file's code: {agency code}.{year}.{file number}.{group abbreviation},
// such as 000.00.00.G09.2010.01.TH.
func FileCode(agency string, year int, number, group string) string {
	return agency + "." + strconv.Itoa(year) + "." + number + "." + group
}

// NewWorkFile opens a work file in an agency's yearly list.
type NewWorkFile struct {
	Agency string `json:"agency"`
	// Year defaults to this year.
	Year int `json:"year,omitempty"`
	// Number is the file's number in the list ("01"); when empty the next number of the group is
	// taken. Group is the abbreviation of the list's heading, such as TH or TCCB.
	Number         string `json:"number,omitempty"`
	Group          string `json:"group"`
	Title          string `json:"title"`
	Heading        string `json:"heading,omitempty"`
	Keeper         string `json:"keeper,omitempty"`
	Retention      string `json:"retention,omitempty"`
	IdempotencyKey string `json:"-"`
}

// CreateFile adds a work file to an agency's yearly list; the agency's officers, clerks and leaders
// may. A code already in use is a conflict.
func (s *Service) CreateFile(ctx context.Context, by *auth.Principal, nf NewWorkFile) (*WorkFile, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	ag, err := s.checkAgency("agency", nf.Agency)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, ag.Code)&(ByDrafter|BySystem) == 0 {
		return nil, notYourAgency(by, ag.Code, "keep work files")
	}
	var bad []errs.FieldError
	add := func(fe *errs.FieldError) {
		if fe != nil {
			bad = append(bad, *fe)
		}
	}
	thisYear := s.db.Now().In(s.cal.Location()).Year()
	if nf.Year == 0 {
		nf.Year = thisYear
	}
	if nf.Year < 1945 || nf.Year > thisYear+1 {
		bad = append(bad, errs.FieldError{Field: "year", Message: fmt.Sprintf("want a year up to %d", thisYear+1)})
	}
	group, fe := checkAbbreviation("group", nf.Group)
	add(fe)
	if group == "" {
		bad = append(bad, errs.FieldError{Field: "group", Message: "required: the abbreviation of the heading, such as TH"})
	}
	number := strings.TrimSpace(nf.Number)
	if number != "" {
		n, err := strconv.Atoi(number)
		if err != nil || n < 1 || len(number) > 6 {
			bad = append(bad, errs.FieldError{Field: "number", Message: "a file number is a positive number, such as 01"})
		} else {
			number = FormatNumber(n)
		}
	}
	wf := &WorkFile{Agency: ag.Code, Year: nf.Year, Group: group, Status: FileOpen}
	wf.Title, fe = clean("title", nf.Title, 1000, true)
	add(fe)
	wf.Heading, fe = clean("heading", nf.Heading, 300, false)
	add(fe)
	wf.Keeper, fe = clean("keeper", nf.Keeper, 200, false)
	add(fe)
	wf.Retention, fe = clean("retention", nf.Retention, 100, false)
	add(fe)
	if len(bad) > 0 {
		return nil, errs.Reasonf(errs.Invalid, "bad_file", "the work file cannot be created as it is").WithFields(bad...)
	}
	k, err := newIdem(by, nf.IdempotencyKey, "file.create", nf)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.write(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = k.seen(ctx, tx); id != 0 || err != nil {
			return err
		}
		wf.Number = number
		if wf.Number == "" {
			n, err := nextNumber(ctx, tx, ag.Code, wf.Year, "file."+group)
			if err != nil {
				return err
			}
			wf.Number = FormatNumber(n)
		}
		wf.Code = FileCode(ag.Code, wf.Year, wf.Number, group)
		var exists int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM office_files WHERE code = ?", wf.Code).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return errs.Reasonf(errs.Conflict, "file_exists", "work file %s is already in the list", wf.Code)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO office_files (agency_code, year, number, group_abbr, code, title, heading, keeper, retention,
			status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			wf.Agency, wf.Year, wf.Number, wf.Group, wf.Code, wf.Title, wf.Heading, wf.Keeper, wf.Retention, FileOpen, by.Actor(), tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, kindFile, id, by, "create", "", FileOpen, map[string]any{"code": wf.Code}); err != nil {
			return err
		}
		return k.record(ctx, tx, id)
	})
	if errs.Is(err, errs.Conflict) && k.key != "" {
		if ref, err2 := s.replay(ctx, k); err2 == nil && ref != 0 {
			id, err = ref, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("office.CreateFile: %w", err)
	}
	return s.GetFile(ctx, by, id)
}

const fileColumns = `id, agency_code, year, number, group_abbr, code, title, heading, keeper, retention, status, created_by, created_at,
	closed_at, closed_by, archived_at, archived_by, version, updated_at`

func scanFile(row scanner) (*WorkFile, error) {
	var f WorkFile
	var closed, archived sql.NullTime
	if err := row.Scan(&f.ID, &f.Agency, &f.Year, &f.Number, &f.Group, &f.Code, &f.Title, &f.Heading, &f.Keeper, &f.Retention, &f.Status,
		&f.CreatedBy, &f.CreatedAt, &closed, &f.ClosedBy, &archived, &f.ArchivedBy, &f.Version, &f.UpdatedAt); err != nil {
		return nil, err
	}
	f.ClosedAt, f.ArchivedAt = timePtr(closed), timePtr(archived)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	f.Items = []FileItem{}
	return &f, nil
}

func getFile(ctx context.Context, tx *db.Tx, id int64, forUpdate bool) (*WorkFile, error) {
	q := "SELECT " + fileColumns + " FROM office_files WHERE id = ?"
	if forUpdate {
		q += tx.ForUpdate()
	}
	f, err := scanFile(tx.QueryRow(ctx, q, id))
	if db.IsNoRows(err) {
		return nil, errs.Reasonf(errs.NotFound, "no_file", "there is no work file %d", id)
	}
	return f, err
}

// electronicItem is the SQL that says whether a file item was handled electronically: an outgoing
// document signed digitally, an incoming one received through the axis.
const electronicItem = `CASE WHEN (i.kind = 'outgoing' AND o.signed AND o.signature_method = 'digital') OR (i.kind = 'incoming' AND n.source = 'axis') THEN 1 ELSE 0 END`

func loadItems(ctx context.Context, tx *db.Tx, fileID int64) ([]FileItem, error) {
	rows, err := tx.Query(ctx, `SELECT i.position, i.kind, i.doc_id, i.added_at, i.added_by,
		COALESCE(o.number, 0), COALESCE(o.notation, ''), COALESCE(o.subject, ''),
		COALESCE(n.code_number, ''), COALESCE(n.code_notation, ''), COALESCE(n.subject, ''), `+electronicItem+`
		FROM office_file_items i
		LEFT JOIN office_outgoing o ON i.kind = 'outgoing' AND o.id = i.doc_id
		LEFT JOIN office_incoming n ON i.kind = 'incoming' AND n.id = i.doc_id
		WHERE i.file_id = ? ORDER BY i.position`, fileID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FileItem{}
	for rows.Next() {
		var it FileItem
		var onum int
		var onot, osub, ncn, nnot, nsub string
		var electronic int
		if err := rows.Scan(&it.Position, &it.Kind, &it.DocumentID, &it.AddedAt, &it.AddedBy, &onum, &onot, &osub, &ncn, &nnot, &nsub, &electronic); err != nil {
			return nil, err
		}
		it.AddedAt, it.Electronic = it.AddedAt.UTC(), electronic == 1
		if it.Kind == KindOutgoing {
			if onum > 0 {
				it.NumberNotation = NumberNotation(onum, onot)
			}
			it.Subject = osub
		} else {
			it.NumberNotation, it.Subject = strings.Trim(ncn+"/"+nnot, "/"), nsub
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// GetFile returns a work file with its documents.
func (s *Service) GetFile(ctx context.Context, by *auth.Principal, id int64) (*WorkFile, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	var f *WorkFile
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		if f, err = getFile(ctx, tx, id, false); err != nil {
			return err
		}
		f.Items, err = loadItems(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !mayView(by, f.Agency) {
		return nil, errs.Reasonf(errs.NotFound, "no_file", "there is no work file %d", id)
	}
	f.Electronic = len(f.Items) > 0
	for _, it := range f.Items {
		f.Electronic = f.Electronic && it.Electronic
	}
	return f, nil
}

// FileQuery selects work files.
type FileQuery struct {
	Agency string
	Year   int
	Status string
}

// ListFiles returns an agency's list of work files for a year (danh mục hồ sơ), by code.
func (s *Service) ListFiles(ctx context.Context, by *auth.Principal, q FileQuery) ([]WorkFile, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if !mayView(by, q.Agency) {
		return nil, notYourAgency(by, q.Agency, "see the work files")
	}
	if q.Year == 0 {
		q.Year = s.db.Now().In(s.cal.Location()).Year()
	}
	where, args := "agency_code = ? AND year = ?", []any{q.Agency, q.Year}
	if q.Status != "" {
		where += " AND status = ?"
		args = append(args, q.Status)
	}
	out := []WorkFile{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+fileColumns+" FROM office_files WHERE "+where+" ORDER BY group_abbr, number, id LIMIT 5000", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFile(rows)
			if err != nil {
				return err
			}
			out = append(out, *f)
		}
		return rows.Err()
	})
	return out, err
}

// FileItemRequest adds a document to a work file.
type FileItemRequest struct {
	Kind       string `json:"kind"`
	DocumentID int64  `json:"document_id"`
}

// AddToFile puts an issued outgoing document or a registered incoming document of the file's agency
// into an open work file. A document belongs to one work file.
func (s *Service) AddToFile(ctx context.Context, by *auth.Principal, fileID int64, r FileItemRequest) (*WorkFile, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if r.Kind != KindOutgoing && r.Kind != KindIncoming {
		return nil, errs.Reasonf(errs.Invalid, "bad_kind", "kind %q: want outgoing or incoming", r.Kind)
	}
	err := s.write(ctx, func(tx *db.Tx) error {
		f, err := getFile(ctx, tx, fileID, true)
		if err != nil {
			return err
		}
		if partiesOf(by, f.Agency)&(ByDrafter|BySystem) == 0 {
			return notYourAgency(by, f.Agency, "keep work files")
		}
		if f.Status != FileOpen {
			return errs.Reasonf(errs.Conflict, "file_closed", "work file %s is %s: documents are added to open files only", f.Code, f.Status)
		}
		var docAgency, status string
		table := "office_outgoing"
		if r.Kind == KindIncoming {
			table = "office_incoming"
		}
		err = tx.QueryRow(ctx, "SELECT agency_code, status FROM "+table+" WHERE id = ?", r.DocumentID).Scan(&docAgency, &status)
		if db.IsNoRows(err) {
			return errs.Reasonf(errs.NotFound, "no_document", "there is no %s document %d", r.Kind, r.DocumentID)
		}
		if err != nil {
			return err
		}
		if docAgency != f.Agency {
			return errs.Reasonf(errs.Forbidden, "outside_agency", "%s document %d belongs to %s, not to %s", r.Kind, r.DocumentID, docAgency, f.Agency)
		}
		if (r.Kind == KindOutgoing && status != string(Issued)) || (r.Kind == KindIncoming && (status == string(Arrived) || status == string(Refused))) {
			return errs.Reasonf(errs.Invalid, "not_filed_yet", "%s document %d is %s: file issued or registered documents", r.Kind, r.DocumentID, status)
		}
		var other string
		err = tx.QueryRow(ctx, "SELECT f.code FROM office_file_items i JOIN office_files f ON f.id = i.file_id WHERE i.kind = ? AND i.doc_id = ?",
			r.Kind, r.DocumentID).Scan(&other)
		if err == nil {
			return errs.Reasonf(errs.Conflict, "already_filed", "%s document %d is already in work file %s", r.Kind, r.DocumentID, other)
		}
		if !db.IsNoRows(err) {
			return err
		}
		var pos int
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position) + 1, 1) FROM office_file_items WHERE file_id = ?", fileID).Scan(&pos); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO office_file_items (file_id, position, kind, doc_id, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)",
			fileID, pos, r.Kind, r.DocumentID, tx.Now, by.Actor()); err != nil {
			return err
		}
		return addEvent(ctx, tx, kindFile, fileID, by, "add", "", "", map[string]any{"kind": r.Kind, "document": r.DocumentID})
	})
	if err != nil {
		return nil, fmt.Errorf("office.AddToFile(%d): %w", fileID, err)
	}
	return s.GetFile(ctx, by, fileID)
}

// CloseFile closes a work file whose work is over (kết thúc hồ sơ); it must hold a document.
func (s *Service) CloseFile(ctx context.Context, by *auth.Principal, id int64) (*WorkFile, error) {
	return s.fileStep(ctx, by, id, FileOpen, FileClosed, ByDrafter|BySystem, func(ctx context.Context, tx *db.Tx, f *WorkFile) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM office_file_items WHERE file_id = ?", id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.Reasonf(errs.Invalid, "empty_file", "work file %s holds no document: add its documents before closing it", f.Code)
		}
		_, err := tx.Exec(ctx, "UPDATE office_files SET status = ?, closed_at = ?, closed_by = ?, version = version + 1, updated_at = ? WHERE id = ?",
			FileClosed, tx.Now, by.Actor(), tx.Now, id)
		return err
	})
}

// HandOver records that a closed work file was handed over to the agency's archive (nộp lưu); the
// agency's clerks and leaders do it.
func (s *Service) HandOver(ctx context.Context, by *auth.Principal, id int64) (*WorkFile, error) {
	return s.fileStep(ctx, by, id, FileClosed, FileArchived, ByClerk|ByLeader|BySystem, func(ctx context.Context, tx *db.Tx, f *WorkFile) error {
		_, err := tx.Exec(ctx, "UPDATE office_files SET status = ?, archived_at = ?, archived_by = ?, version = version + 1, updated_at = ? WHERE id = ?",
			FileArchived, tx.Now, by.Actor(), tx.Now, id)
		return err
	})
}

func (s *Service) fileStep(ctx context.Context, by *auth.Principal, id int64, from, to string, who Party, fn func(context.Context, *db.Tx, *WorkFile) error) (*WorkFile, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx *db.Tx) error {
		f, err := getFile(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if partiesOf(by, f.Agency)&who == 0 {
			return notYourAgency(by, f.Agency, "move work files to "+to)
		}
		if f.Status != from {
			return errs.Reasonf(errs.Conflict, "transition_not_allowed", "work file %s is %s; only a file that is %s becomes %s", f.Code, f.Status, from, to)
		}
		if err := fn(ctx, tx, f); err != nil {
			return err
		}
		return addEvent(ctx, tx, kindFile, id, by, to, from, to, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("office: work file %d → %s: %w", id, to, err)
	}
	return s.GetFile(ctx, by, id)
}

// Rate is the electronic processing rate of a group of agencies: of the work files closed in the
// year (closed or handed over), how many held only documents handled electronically.
type Rate struct {
	Agency     string       `json:"agency,omitempty"`
	Name       string       `json:"name,omitempty"`
	Province   string       `json:"province,omitempty"`
	Level      agency.Level `json:"level,omitempty"`
	Closed     int          `json:"closed"`
	Electronic int          `json:"electronic"`
	// Percent is 100 × Electronic / Closed, rounded to one decimal; 0 when nothing was closed.
	Percent float64 `json:"percent"`
}

func (r *Rate) finish() {
	if r.Closed > 0 {
		r.Percent = float64(int(float64(r.Electronic)*1000/float64(r.Closed)+0.5)) / 10
	}
}

// RateReport gives the electronic processing rate per agency, per administrative level, and per
// province and level (the way the provinces' 2020 reports give them: 95% province, 85% district,
// 70% commune).
type RateReport struct {
	Scope     string `json:"scope"`
	Year      int    `json:"year"`
	Agencies  []Rate `json:"agencies"`
	Levels    []Rate `json:"levels"`
	Provinces []Rate `json:"provinces"`
}

// ElectronicRates computes the rates of a year for the agencies in scope's subtree ("*" for all,
// for administrators and viewers granted everywhere).
func (s *Service) ElectronicRates(ctx context.Context, by *auth.Principal, scope string, year int) (*RateReport, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	scope = strings.TrimSpace(scope)
	if scope == "" {
		return nil, errs.Reasonf(errs.Invalid, "agency_required", "say which agency subtree (scope)")
	}
	if !mayView(by, scope) {
		return nil, notYourAgency(by, scope, "see the figures")
	}
	if year == 0 {
		year = s.db.Now().In(s.cal.Location()).Year()
	}
	perAgency := map[string]*Rate{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT f.agency_code, f.id, COUNT(i.doc_id), COALESCE(SUM(`+electronicItem+`), 0)
			FROM office_files f
			LEFT JOIN office_file_items i ON i.file_id = f.id
			LEFT JOIN office_outgoing o ON i.kind = 'outgoing' AND o.id = i.doc_id
			LEFT JOIN office_incoming n ON i.kind = 'incoming' AND n.id = i.doc_id
			WHERE f.year = ? AND f.status IN ('closed', 'archived')
			GROUP BY f.agency_code, f.id`, year)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var id, items, electronic int64
			if err := rows.Scan(&code, &id, &items, &electronic); err != nil {
				return err
			}
			if items == 0 || !auth.ScopeCovers(scope, code) {
				continue
			}
			r := perAgency[code]
			if r == nil {
				r = &Rate{Agency: code}
				perAgency[code] = r
			}
			r.Closed++
			if electronic == items {
				r.Electronic++
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	rep := &RateReport{Scope: scope, Year: year, Agencies: []Rate{}, Levels: []Rate{}, Provinces: []Rate{}}
	levels := map[agency.Level]*Rate{}
	provinces := map[[2]string]*Rate{}
	ix := s.reg.Index()
	for code, r := range perAgency {
		if a, ok := ix.Get(code); ok {
			r.Name, r.Level = a.Name, a.Level
		}
		if c, err := vn.ParseAgencyCode(code); err == nil {
			r.Province = c.RootCode().String()
		}
		r.finish()
		rep.Agencies = append(rep.Agencies, *r)
		lv := levels[r.Level]
		if lv == nil {
			lv = &Rate{Level: r.Level}
			levels[r.Level] = lv
		}
		lv.Closed, lv.Electronic = lv.Closed+r.Closed, lv.Electronic+r.Electronic
		pk := [2]string{r.Province, string(r.Level)}
		pv := provinces[pk]
		if pv == nil {
			pv = &Rate{Province: r.Province, Level: r.Level}
			if a, ok := ix.Get(r.Province); ok {
				pv.Name = a.Name
			}
			provinces[pk] = pv
		}
		pv.Closed, pv.Electronic = pv.Closed+r.Closed, pv.Electronic+r.Electronic
	}
	sort.Slice(rep.Agencies, func(i, j int) bool { return rep.Agencies[i].Agency < rep.Agencies[j].Agency })
	for _, l := range agency.Levels {
		if lv := levels[l]; lv != nil {
			lv.finish()
			rep.Levels = append(rep.Levels, *lv)
		}
	}
	if lv := levels[""]; lv != nil {
		lv.finish()
		rep.Levels = append(rep.Levels, *lv)
	}
	for _, pv := range provinces {
		pv.finish()
		rep.Provinces = append(rep.Provinces, *pv)
	}
	order := map[agency.Level]int{}
	for i, l := range agency.Levels {
		order[l] = i
	}
	sort.Slice(rep.Provinces, func(i, j int) bool {
		a, b := rep.Provinces[i], rep.Provinces[j]
		if a.Province != b.Province {
			return a.Province < b.Province
		}
		return order[a.Level] < order[b.Level]
	})
	return rep, nil
}

package axis

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/web"
)

// AdminView is the view of /axis/admin.
type AdminView struct {
	Clients      []ClientRow
	Levels       []RegistrationRow
	Unregistered []UnregisteredRow
	// MoreUnregistered counts the unregistered agencies not listed.
	MoreUnregistered int
	Failures         []FailureRow
	Refusals         []RefusalRow
	StaleAfter       time.Duration
}

// ClientRow is a connected system with what it sent through the axis.
type ClientRow struct {
	auth.Client
	Agency    AgencyRef
	Documents int
	LastSent  time.Time
}

// RegistrationRow counts one level's agencies registered on the axis and not.
type RegistrationRow struct {
	Level                              string
	Agencies, Registered, Unregistered int
	Share                              string
}

// UnregisteredRow is an active agency not registered on the axis.
type UnregisteredRow struct {
	AgencyRef
	Level string
}

// FailureRow is a delivery that failed or is stuck.
type FailureRow struct {
	ID, DocumentID, Subject string
	From, To                AgencyRef
	Transport               Badge
	Since                   time.Time
}

// RefusalRow is a package the axis refused.
type RefusalRow struct {
	At              time.Time
	Client          string
	Sender          AgencyRef
	Reason, Message string
}

// staleAfter is how long a delivery may wait in an inbox before the administrators see it.
const staleAfter = 24 * time.Hour

// clientActivity counts the documents each machine client sent, with the time of the last one.
func (s *Service) clientActivity(ctx context.Context) (map[string]ClientRow, error) {
	out := map[string]ClientRow{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT client_id, count(*), max(received_at) FROM axis_documents WHERE kind = 'document' GROUP BY client_id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var c ClientRow
			var last anyTime
			if err := rows.Scan(&id, &c.Documents, &last); err != nil {
				return err
			}
			c.LastSent = last.t
			out[id] = c
		}
		return rows.Err()
	})
	return out, err
}

// anyTime scans a timestamp that an aggregate returned: SQLite gives it back as text.
type anyTime struct{ t time.Time }

func (a *anyTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
	case time.Time:
		a.t = x
	case string, []byte:
		s := fmt.Sprint(x)
		if b, ok := v.([]byte); ok {
			s = string(b)
		}
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				a.t = t
				return nil
			}
		}
		return fmt.Errorf("axis: cannot read %q as a time", s)
	default:
		return fmt.Errorf("axis: cannot read %T as a time", v)
	}
	return nil
}

// failures lists failed deliveries and those pending since before stale, oldest first, that keep
// passes; at most limit.
func (s *Service) failures(ctx context.Context, stale time.Time, limit int, keep func(from, to string) bool) ([]FailureRow, error) {
	var out []FailureRow
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.document, a.document_id, a.subject, a.sender_code, d.recipient_code, d.transport, d.created_at
			FROM axis_deliveries d JOIN axis_documents a ON a.id = d.document
			WHERE d.transport = 'fail' OR (d.transport = 'pending' AND d.created_at < ?) ORDER BY d.created_at, d.id`, stale.UTC())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(out) < limit {
			var f FailureRow
			if err := rows.Scan(&f.ID, &f.DocumentID, &f.Subject, &f.From.Code, &f.To.Code, &f.Transport.Code, &f.Since); err != nil {
				return err
			}
			if keep(f.From.Code, f.To.Code) {
				out = append(out, f)
			}
		}
		return rows.Err()
	})
	return out, err
}

// recentRefusals lists refusals newest first that keep passes; at most limit.
func (s *Service) recentRefusals(ctx context.Context, limit int, keep func(client, sender string) bool) ([]RefusalRow, error) {
	var out []RefusalRow
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT at, client_id, sender_code, reason, message FROM axis_refusals ORDER BY id DESC")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(out) < limit {
			var f RefusalRow
			if err := rows.Scan(&f.At, &f.Client, &f.Sender.Code, &f.Reason, &f.Message); err != nil {
				return err
			}
			if keep(f.Client, f.Sender.Code) {
				out = append(out, f)
			}
		}
		return rows.Err()
	})
	return out, err
}

func (h *Pages) pageAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	l := h.labels(r)
	v := AdminView{StaleAfter: staleAfter}
	clients, err := h.Auth.Clients(ctx)
	if err != nil {
		return err
	}
	activity, err := h.Axis.clientActivity(ctx)
	if err != nil {
		return err
	}
	clientAgency := map[string]string{}
	for _, c := range clients {
		clientAgency[c.ID] = c.Agency
		if !p.Can(auth.Admin, c.Agency) {
			continue
		}
		row := activity[c.ID]
		row.Client, row.Agency = c, h.ref(c.Agency)
		v.Clients = append(v.Clients, row)
	}
	ix := h.Registry.Index()
	today := agency.Today()
	byLevel := map[agency.Level]*RegistrationRow{}
	for _, lv := range agency.Levels {
		byLevel[lv] = &RegistrationRow{Level: l.get("level."+string(lv), string(lv))}
	}
	for _, a := range ix.All() {
		row := byLevel[a.Level]
		if row == nil || !a.ActiveOn(today) || !p.Can(auth.Admin, a.Code) {
			continue
		}
		row.Agencies++
		if a.OnAxis {
			row.Registered++
			continue
		}
		row.Unregistered++
		if len(v.Unregistered) < 100 {
			v.Unregistered = append(v.Unregistered, UnregisteredRow{AgencyRef: AgencyRef{Code: a.Code, Name: a.Name}, Level: row.Level})
		} else {
			v.MoreUnregistered++
		}
	}
	lang := web.Lang(r)
	for _, lv := range agency.Levels {
		row := byLevel[lv]
		row.Share = percentText(ratio(row.Registered, row.Agencies), lang)
		v.Levels = append(v.Levels, *row)
	}
	v.Failures, err = h.Axis.failures(ctx, h.Axis.db.Now().Add(-staleAfter), 100, func(from, to string) bool {
		return p.Can(auth.Admin, from) || p.Can(auth.Admin, to)
	})
	if err != nil {
		return err
	}
	for i := range v.Failures {
		f := &v.Failures[i]
		f.From, f.To, f.Transport = h.ref(f.From.Code), h.ref(f.To.Code), l.transport(f.Transport.Code)
	}
	v.Refusals, err = h.Axis.recentRefusals(ctx, 50, func(client, sender string) bool {
		return (sender != "" && p.Can(auth.Admin, sender)) || (clientAgency[client] != "" && p.Can(auth.Admin, clientAgency[client])) || p.Can(auth.Admin, auth.Everywhere)
	})
	if err != nil {
		return err
	}
	for i := range v.Refusals {
		if c := v.Refusals[i].Sender.Code; c != "" {
			v.Refusals[i].Sender = h.ref(c)
		}
	}
	sort.SliceStable(v.Clients, func(i, j int) bool { return v.Clients[i].Agency.Code < v.Clients[j].Agency.Code })
	return h.Renderer.Render(w, r, http.StatusOK, "axis_admin", "axis.admin.title", v)
}

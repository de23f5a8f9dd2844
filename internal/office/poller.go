package office

// This file holds an agency's office settings, the poller that takes documents from the axis, and resending.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// --- settings and the poller -------------------------------------------------------------------

// GetSettings returns an agency's office settings (the defaults when none were saved).
func (s *Service) GetSettings(ctx context.Context, by *auth.Principal, agency string) (*Settings, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if !mayView(by, agency) {
		return nil, notYourAgency(by, agency, "see the settings")
	}
	st := &Settings{Agency: agency}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT auto_register, place, updated_by, updated_at FROM office_settings WHERE agency_code = ?", agency).
			Scan(&st.AutoRegister, &st.Place, &st.UpdatedBy, &st.UpdatedAt)
		if db.IsNoRows(err) {
			return nil
		}
		return err
	})
	st.UpdatedAt = st.UpdatedAt.UTC()
	return st, err
}

// SetSettings saves an agency's office settings; its leaders, clerks and administrators may.
func (s *Service) SetSettings(ctx context.Context, by *auth.Principal, st Settings) (*Settings, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	ag, err := s.checkAgency("agency", st.Agency)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, ag.Code)&(ByLeader|ByClerk|BySystem) == 0 {
		return nil, notYourAgency(by, ag.Code, "change the settings")
	}
	place, fe := clean("place", st.Place, 100, false)
	if fe != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_settings", "place: %s", fe.Message)
	}
	err = s.write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO office_settings (agency_code, auto_register, place, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (agency_code) DO UPDATE SET auto_register = excluded.auto_register, place = excluded.place,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, ag.Code, st.AutoRegister, place, by.Actor(), tx.Now)
		if err != nil {
			return err
		}
		return addEvent(ctx, tx, "settings", 0, by, "settings", "", ag.Code, map[string]any{"auto_register": st.AutoRegister, "place": place})
	})
	if err != nil {
		return nil, fmt.Errorf("office.SetSettings(%s): %w", ag.Code, err)
	}
	return s.GetSettings(ctx, by, ag.Code)
}

// PollReport says what one round of the poller did.
type PollReport struct {
	Registered int `json:"registered"`
	Statuses   int `json:"statuses"`
	Sent       int `json:"sent"`
}

// Poll does one round of background work: it registers the documents waiting in the axis inboxes
// of agencies that switched automatic registration on (and acknowledges their status packets), and
// sends again the packages and status packets that could not be sent when their change committed.
// It goes on past a failing item and returns the first error.
func (s *Service) Poll(ctx context.Context) (PollReport, error) {
	var rep PollReport
	if s.axis == nil {
		return rep, nil
	}
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	var agencies []string
	var statusDocs, outgoing []int64
	cutoff := s.db.Now().Add(-s.opt.RetryAfter).UTC()
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		if agencies, err = queryStrings(ctx, tx, "SELECT agency_code FROM office_settings WHERE auto_register ORDER BY agency_code"); err != nil {
			return err
		}
		if statusDocs, err = queryIDs(ctx, tx, "SELECT DISTINCT incoming_id FROM office_status_outbox WHERE sent_at IS NULL AND at < ? AND attempts < 1000", cutoff); err != nil {
			return err
		}
		outgoing, err = queryIDs(ctx, tx, "SELECT id FROM office_outgoing WHERE send_state IN ('pending', 'failed') AND issued_at < ? AND send_attempts < 1000 ORDER BY id", cutoff)
		return err
	})
	if err != nil {
		return rep, err
	}
	for _, a := range agencies {
		sys := s.system(a)
		items, err := s.axis.Received(ctx, sys, axis.InboxQuery{Agency: a, Limit: 100})
		if err != nil {
			note(err)
			continue
		}
		for _, it := range items {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			if it.Kind != "document" {
				// Status packets about our documents stay readable in the axis (GetOutgoing shows them).
				note(s.axis.Ack(ctx, sys, it.ID, a, axis.TransportDone))
				continue
			}
			if _, err := s.fromAxis(ctx, sys, it.ID, a, actRegister, ""); err != nil {
				note(err)
				continue
			}
			rep.Registered++
		}
	}
	for _, id := range statusDocs {
		if err := s.deliverStatuses(ctx, id); err != nil {
			note(err)
			continue
		}
		rep.Statuses++
	}
	for _, id := range outgoing {
		if err := s.sendOutgoing(ctx, id); err != nil {
			note(err)
			continue
		}
		rep.Sent++
	}
	return rep, firstErr
}

// Run calls Poll every interval until ctx ends, logging what fails (the poller is the edge where
// background errors are logged).
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Poll(ctx); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
			slog.Warn("office: poll", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func queryStrings(ctx context.Context, tx *db.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func queryIDs(ctx context.Context, tx *db.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Resend sends an issued document through the axis again after its sends failed; clerks may.
func (s *Service) Resend(ctx context.Context, by *auth.Principal, id int64) (*Outgoing, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	o, err := s.loadOutgoing(ctx, id)
	if err != nil {
		return nil, err
	}
	if partiesOf(by, o.Agency)&(ByClerk|BySystem) == 0 {
		return nil, notYourAgency(by, o.Agency, "send documents")
	}
	if o.Status != Issued || o.SendState == SendNone {
		return nil, errs.Reasonf(errs.Conflict, "nothing_to_send", "document %d has nothing to send through the axis", id)
	}
	if o.SendState != SendSent {
		_ = s.sendOutgoing(ctx, id)
	}
	return s.GetOutgoing(ctx, by, id)
}

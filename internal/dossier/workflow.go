package dossier

import (
	"fmt"
	"strings"

	"github.com/lienthong/lienthong/internal/vn"
)

// Party is who may make a transition: the one-stop officer of the receiving agency, the applicant,
// or the platform itself (a payment arriving, a machine client of the agency).
type Party uint8

// The parties.
const (
	ByOfficer Party = 1 << iota
	ByApplicant
	BySystem
)

// Rule is one allowed change of a dossier's national status.
type Rule struct {
	From, To vn.DossierStatus
	By       Party
	// NeedsReason is set where the law asks for a written reason (refusal, supplement request, stop).
	NeedsReason bool
	// Resume marks the way back out of "more documents requested" and "payment requested": the
	// dossier returns to the status it had before the request, and only to that one.
	Resume bool
}

// Rules is the transition table of the one-stop workflow (Decree 61/2018, TT 01/2018/TT-VPCP,
// continued by Decree 118/2025). Anything not listed is refused.
var Rules = []Rule{
	{From: vn.DossierSubmitted, To: vn.DossierAccepted, By: ByOfficer | BySystem},
	{From: vn.DossierSubmitted, To: vn.DossierNotAccepted, By: ByOfficer | BySystem, NeedsReason: true},
	{From: vn.DossierSubmitted, To: vn.DossierMoreDocumentsRequested, By: ByOfficer | BySystem, NeedsReason: true},
	{From: vn.DossierSubmitted, To: vn.DossierWithdrawn, By: ByApplicant | ByOfficer, NeedsReason: true},

	{From: vn.DossierAccepted, To: vn.DossierInProgress, By: ByOfficer | BySystem},
	{From: vn.DossierAccepted, To: vn.DossierMoreDocumentsRequested, By: ByOfficer | BySystem, NeedsReason: true},
	{From: vn.DossierAccepted, To: vn.DossierPaymentRequested, By: ByOfficer | BySystem},
	{From: vn.DossierAccepted, To: vn.DossierProcessed, By: ByOfficer | BySystem},
	{From: vn.DossierAccepted, To: vn.DossierWithdrawn, By: ByApplicant | ByOfficer, NeedsReason: true},
	{From: vn.DossierAccepted, To: vn.DossierStopped, By: ByOfficer | BySystem, NeedsReason: true},

	{From: vn.DossierInProgress, To: vn.DossierMoreDocumentsRequested, By: ByOfficer | BySystem, NeedsReason: true},
	{From: vn.DossierInProgress, To: vn.DossierPaymentRequested, By: ByOfficer | BySystem},
	{From: vn.DossierInProgress, To: vn.DossierProcessed, By: ByOfficer | BySystem},
	{From: vn.DossierInProgress, To: vn.DossierWithdrawn, By: ByApplicant | ByOfficer, NeedsReason: true},
	{From: vn.DossierInProgress, To: vn.DossierStopped, By: ByOfficer | BySystem, NeedsReason: true},

	// Supplying the documents sends the dossier back where it was: to reception (1) when they were
	// asked for at the counter, to processing (4) when asked for during processing.
	{From: vn.DossierMoreDocumentsRequested, To: vn.DossierSubmitted, By: ByApplicant | ByOfficer | BySystem, Resume: true},
	{From: vn.DossierMoreDocumentsRequested, To: vn.DossierAccepted, By: ByApplicant | ByOfficer | BySystem, Resume: true},
	{From: vn.DossierMoreDocumentsRequested, To: vn.DossierInProgress, By: ByApplicant | ByOfficer | BySystem, Resume: true},
	{From: vn.DossierMoreDocumentsRequested, To: vn.DossierNotAccepted, By: ByOfficer | BySystem, NeedsReason: true},
	{From: vn.DossierMoreDocumentsRequested, To: vn.DossierWithdrawn, By: ByApplicant | ByOfficer, NeedsReason: true},
	{From: vn.DossierMoreDocumentsRequested, To: vn.DossierStopped, By: ByOfficer | BySystem, NeedsReason: true},

	// Paying the fees ends "payment requested" (the payment platform reports it as the system).
	{From: vn.DossierPaymentRequested, To: vn.DossierAccepted, By: ByOfficer | BySystem, Resume: true},
	{From: vn.DossierPaymentRequested, To: vn.DossierInProgress, By: ByOfficer | BySystem, Resume: true},
	{From: vn.DossierPaymentRequested, To: vn.DossierWithdrawn, By: ByApplicant | ByOfficer, NeedsReason: true},
	{From: vn.DossierPaymentRequested, To: vn.DossierStopped, By: ByOfficer | BySystem, NeedsReason: true},

	{From: vn.DossierProcessed, To: vn.DossierReturned, By: ByOfficer | BySystem},
}

var ruleTable = func() map[[2]vn.DossierStatus]Rule {
	m := map[[2]vn.DossierStatus]Rule{}
	for _, r := range Rules {
		m[[2]vn.DossierStatus{r.From, r.To}] = r
	}
	return m
}()

// Final reports whether no transition leaves status s (not accepted, withdrawn, stopped, returned).
func Final(s vn.DossierStatus) bool { return len(Next(s)) == 0 }

// Next lists the statuses that may follow s, in table order.
func Next(s vn.DossierStatus) []vn.DossierStatus {
	var out []vn.DossierStatus
	for _, r := range Rules {
		if r.From == s {
			out = append(out, r.To)
		}
	}
	return out
}

// Check returns the rule for from → to made by party, or an error that says why the change is not
// allowed. resume is the status a dossier had before "more documents" or "payment" was requested.
func Check(from, to, resume vn.DossierStatus, by Party) (Rule, error) {
	if !to.Valid() {
		return Rule{}, fmt.Errorf("status %d is not a national dossier status (1–10)", int(to))
	}
	r, ok := ruleTable[[2]vn.DossierStatus{from, to}]
	if !ok {
		var next []string
		for _, n := range Next(from) {
			next = append(next, fmt.Sprintf("%d %s", int(n), n.English()))
		}
		allowed := "none: the dossier is closed"
		if len(next) > 0 {
			allowed = strings.Join(next, ", ")
		}
		return Rule{}, fmt.Errorf("a dossier in status %d (%s) cannot move to %d (%s); allowed: %s",
			int(from), from.English(), int(to), to.English(), allowed)
	}
	if r.By&by == 0 {
		return Rule{}, fmt.Errorf("status %d → %d is not made by the %s", int(from), int(to), by)
	}
	if r.Resume && to != resume {
		return Rule{}, fmt.Errorf("the dossier goes back to status %d (%s), where it was before the request, not to %d",
			int(resume), resume.English(), int(to))
	}
	return r, nil
}

// String names the party.
func (p Party) String() string {
	switch p {
	case ByOfficer:
		return "officer"
	case ByApplicant:
		return "applicant"
	case BySystem:
		return "system"
	}
	return fmt.Sprintf("Party(%d)", uint8(p))
}

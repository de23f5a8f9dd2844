package office

import (
	"fmt"
	"strings"

	"github.com/lienthong/lienthong/internal/auth"
)

// Party is the capacity in which someone acts on an outgoing document of an agency.
type Party uint8

// The parties. One person may hold several (a leader also drafts).
const (
	ByDrafter Party = 1 << iota // an officer, clerk or leader of the agency
	ByLeader                    // lãnh đạo: reviews, approves and signs
	ByClerk                     // văn thư: numbers and issues
	BySystem                    // a machine client acting for the agency
)

// String names the party.
func (p Party) String() string {
	var names []string
	for _, x := range []struct {
		p    Party
		name string
	}{{ByDrafter, "drafter"}, {ByLeader, "leader"}, {ByClerk, "clerk"}, {BySystem, "system"}} {
		if p&x.p != 0 {
			names = append(names, x.name)
		}
	}
	if len(names) == 0 {
		return "nobody"
	}
	return strings.Join(names, "|")
}

// partiesOf returns the capacities in which p may act on documents of agency.
func partiesOf(p *auth.Principal, agency string) Party {
	if p == nil {
		return 0
	}
	if p.Kind == auth.KindClient {
		if p.ActsFor(agency) {
			return BySystem
		}
		return 0
	}
	var out Party
	if p.Can(auth.Officer, agency) || p.Can(auth.Clerk, agency) || p.Can(auth.Leader, agency) {
		out |= ByDrafter
	}
	if p.Can(auth.Leader, agency) {
		out |= ByLeader
	}
	if p.Can(auth.Clerk, agency) {
		out |= ByClerk
	}
	return out
}

// Rule is one allowed change of an outgoing document's status.
type Rule struct {
	From, To OutStatus
	By       Party
	// NeedsReason is set where the change must say why (sending a draft back, cancelling after submission).
	NeedsReason bool
}

// Rules is the transition table of outgoing documents: drafted, submitted for review, approved by a
// leader, signed, issued by the clerk. Anything not listed is refused.
var Rules = []Rule{
	{From: Draft, To: Submitted, By: ByDrafter | BySystem},
	{From: Draft, To: Cancelled, By: ByDrafter | ByLeader | BySystem},

	{From: Submitted, To: Approved, By: ByLeader | BySystem},
	{From: Submitted, To: Draft, By: ByLeader | BySystem, NeedsReason: true},
	{From: Submitted, To: Cancelled, By: ByLeader | BySystem, NeedsReason: true},

	{From: Approved, To: Signed, By: ByLeader | BySystem},
	{From: Approved, To: Draft, By: ByLeader | BySystem, NeedsReason: true},

	{From: Signed, To: Issued, By: ByClerk | BySystem},
}

var ruleTable = func() map[[2]OutStatus]Rule {
	m := map[[2]OutStatus]Rule{}
	for _, r := range Rules {
		m[[2]OutStatus{r.From, r.To}] = r
	}
	return m
}()

// Next lists the statuses that may follow s, in table order.
func Next(s OutStatus) []OutStatus {
	var out []OutStatus
	for _, r := range Rules {
		if r.From == s {
			out = append(out, r.To)
		}
	}
	return out
}

// ValidStatus reports whether s is an outgoing status.
func ValidStatus(s OutStatus) bool {
	switch s {
	case Draft, Submitted, Approved, Signed, Issued, Cancelled:
		return true
	}
	return false
}

// Check returns the rule for from → to made by a caller acting as by, or an error that says why the
// change is not allowed.
func Check(from, to OutStatus, by Party) (Rule, error) {
	if !ValidStatus(to) {
		return Rule{}, fmt.Errorf("%q is not a status of outgoing documents (draft, submitted, approved, signed, issued, cancelled)", to)
	}
	r, ok := ruleTable[[2]OutStatus{from, to}]
	if !ok {
		allowed := "none"
		if n := Next(from); len(n) > 0 {
			parts := make([]string, len(n))
			for i, s := range n {
				parts[i] = string(s)
			}
			allowed = strings.Join(parts, ", ")
		}
		return Rule{}, fmt.Errorf("a document that is %s cannot become %s; allowed: %s", from, to, allowed)
	}
	if r.By&by == 0 {
		return Rule{}, fmt.Errorf("%s → %s is done by the %s, not by the %s", from, to, r.By, by)
	}
	return r, nil
}

// actionNames name the steps in the timeline by their target status.
var actionNames = map[OutStatus]string{
	Draft:     "return",
	Submitted: "submit",
	Approved:  "approve",
	Signed:    "sign",
	Issued:    "issue",
	Cancelled: "cancel",
}

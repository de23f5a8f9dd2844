// Package feedback receives and answers what citizens and businesses send to agencies outside a
// dossier: feedback on administrative regulations and on officials' behaviour (phản ánh),
// petitions (kiến nghị) and questions (hỏi đáp). Each item gets an unguessable public tracking
// code, goes to one agency of the registry, carries a deadline in working days from the shared
// calendar, and moves received → assigned → answered → published, or is rejected with a reason,
// or transferred to another agency. Every step is recorded; overdue and due-soon items are listed
// per agency and counted per province, so the Government Office sees where answers are late.
package feedback

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Kind is what an item is.
type Kind string

// The kinds.
const (
	// Feedback is a phản ánh: a report on administrative regulations or on how officials behave.
	Feedback Kind = "feedback"
	// Petition is a kiến nghị: a proposal to change a regulation or a practice (Decree 20/2008/NĐ-CP).
	Petition Kind = "petition"
	// Question is a hỏi đáp: a question about a procedure or a regulation.
	Question Kind = "question"
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Feedback, Petition, Question}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Feedback || k == Petition || k == Question }

// codePrefix is the start of the tracking codes of each kind.
var codePrefix = map[Kind]string{Feedback: "PA", Petition: "KN", Question: "HD"}

// Status is where an item stands.
type Status string

// The statuses.
const (
	Received    Status = "received"    // sent, waiting for the agency to route it
	Assigned    Status = "assigned"    // routed to an officer of the agency
	Transferred Status = "transferred" // sent on to another agency, which has not routed it yet
	Answered    Status = "answered"    // answered to the sender
	Published   Status = "published"   // answered, and the answer is public
	Rejected    Status = "rejected"    // not handled, with a reason (out of scope, duplicate, abusive…)
)

// Statuses lists the statuses in display order.
var Statuses = []Status{Received, Assigned, Transferred, Answered, Published, Rejected}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Open reports whether the agency still owes an answer: the deadline runs.
func (s Status) Open() bool { return s == Received || s == Assigned || s == Transferred }

// Sender is who sent an item. Sender details are shown to the agency handling the item and never
// on public pages or in the public API.
type Sender struct {
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

// Answer is the agency's reply.
type Answer struct {
	Text string `json:"text"`
	// Officer and Title are the answering officer's name and title (NGUOITRALOI, CHUCVUNGUOITRALOI).
	Officer string    `json:"officer"`
	Title   string    `json:"title,omitempty"`
	At      time.Time `json:"at"`
}

// Event is one recorded step: who did what, when and why. Agency is the agency responsible after
// the step (for a transfer, the new one).
type Event struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	ActorName string    `json:"actor_name,omitempty"`
	Action    string    `json:"action"`
	From      Status    `json:"from_status,omitempty"`
	To        Status    `json:"to_status"`
	Agency    string    `json:"agency"`
	Reason    string    `json:"reason,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// Timeliness says where an item stands against its deadline.
type Timeliness string

// The timeliness values.
const (
	NoDeadline Timeliness = ""         // rejected
	OnTrack    Timeliness = "on_track" // open, deadline more than DueSoonDays working days away
	DueSoon    Timeliness = "due_soon" // open, deadline within DueSoonDays working days
	Overdue    Timeliness = "overdue"  // open, deadline passed
	OnTime     Timeliness = "on_time"  // answered by the deadline
	Late       Timeliness = "late"     // answered after the deadline
)

// DueSoonDays is how close (in working days) a deadline must be for an open item to be due soon.
const DueSoonDays = 2

// Item is one feedback item, petition or question with everything the handling agency may see.
type Item struct {
	Code         string     `json:"code"`
	Kind         Kind       `json:"kind"`
	Status       Status     `json:"status"`
	Subject      string     `json:"subject"`
	Content      string     `json:"content"`
	Field        string     `json:"field,omitempty"`
	Procedure    string     `json:"procedure,omitempty"`
	Dossier      string     `json:"dossier,omitempty"`
	Sender       Sender     `json:"sender"`
	Agency       string     `json:"agency"`
	AgencyName   string     `json:"agency_name"`
	Province     string     `json:"province"`
	Assignee     string     `json:"assignee,omitempty"`
	ResponseDays int        `json:"response_days"`
	ReceivedAt   time.Time  `json:"received_at"`
	DueAt        time.Time  `json:"due_at"`
	DeadlineNote string     `json:"deadline_note,omitempty"`
	Timeliness   Timeliness `json:"timeliness,omitempty"`
	Answer       *Answer    `json:"answer,omitempty"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
	RejectedAt   *time.Time `json:"rejected_at,omitempty"`
	RejectReason string     `json:"reject_reason,omitempty"`
	Transfers    int        `json:"transfers"`
	Version      int        `json:"version"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Events       []Event    `json:"events,omitempty"`
}

// PublicView is what anyone may see of an item: never the sender. Looked up by its tracking code
// (which only the sender is given) it includes the answer; in the list of published answers it
// leaves out the dossier code, which would lead to the sender's dossier.
type PublicView struct {
	Code         string     `json:"code"`
	Kind         Kind       `json:"kind"`
	Status       Status     `json:"status"`
	Subject      string     `json:"subject"`
	Content      string     `json:"content"`
	Field        string     `json:"field,omitempty"`
	Procedure    string     `json:"procedure,omitempty"`
	Dossier      string     `json:"dossier,omitempty"`
	Agency       string     `json:"agency"`
	AgencyName   string     `json:"agency_name"`
	ReceivedAt   time.Time  `json:"received_at"`
	DueAt        time.Time  `json:"due_at"`
	DeadlineNote string     `json:"deadline_note,omitempty"`
	Timeliness   Timeliness `json:"timeliness,omitempty"`
	Transferred  bool       `json:"transferred,omitempty"`
	Answer       *Answer    `json:"answer,omitempty"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
	RejectReason string     `json:"reject_reason,omitempty"`
}

// codeAlphabet is Crockford's base32: no I, L, O or U, so a code read over the phone is not misheard.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeRandLen is the number of random characters of a tracking code: 50 bits.
const codeRandLen = 10

// newCode returns a fresh tracking code for kind, such as PA-7KQ2M9XW4T.
func newCode(k Kind) string {
	var b [codeRandLen]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return codePrefix[k] + "-" + string(b[:])
}

// ParseCode checks a tracking code and returns it in canonical form (upper case, with the letters
// O, I and L that people type for the digits 0 and 1 mapped back), and the kind it names.
func ParseCode(s string) (string, Kind, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	prefix, rest, ok := strings.Cut(s, "-")
	var kind Kind
	for k, p := range codePrefix {
		if p == prefix {
			kind = k
		}
	}
	if !ok || kind == "" || len(rest) != codeRandLen {
		return "", "", errs.Reasonf(errs.Invalid, "bad_tracking_code",
			"%q is not a tracking code: want PA-, KN- or HD- and %d letters or digits, like PA-7KQ2M9XW4T", trimForError(s), codeRandLen)
	}
	b := []byte(rest)
	for i, c := range b {
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if !strings.ContainsRune(codeAlphabet, rune(c)) {
			return "", "", errs.Reasonf(errs.Invalid, "bad_tracking_code", "%q is not a tracking code: %q is not one of its letters", trimForError(s), string(rune(c)))
		}
		b[i] = c
	}
	return prefix + "-" + string(b), kind, nil
}

func trimForError(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// treeKey writes an agency code from level 1 down, H36.04.00.000 for 000.00.04.H36, so that the
// codes of a subtree share a prefix and sort together.
func treeKey(c vn.AgencyCode) string {
	return fmt.Sprintf("%c%02d.%02d.%02d.%03d", c.Prefix(), c.Level(1), c.Level(2), c.Level(3), c.Level(4))
}

// subtreeRange returns the half-open range [lo, hi) of tree keys of the agency code and those below
// it: the tree key cut after the agency's last non-zero level. Tree keys hold only letters, digits
// and dots, all below '~'.
func subtreeRange(code string) (lo, hi string, err error) {
	c, err := vn.ParseAgencyCode(code)
	if err != nil {
		return "", "", err
	}
	key := treeKey(c)
	switch c.Depth() {
	case 1:
		key = key[:4] // "H36."
	case 2:
		key = key[:7] // "H36.04."
	case 3:
		key = key[:10] // "H36.04.02."
	}
	return key, key + "~", nil
}

// provinceOf returns the depth-1 code at the top of an agency's tree (000.00.00.H36 for 000.00.04.H36).
func provinceOf(c vn.AgencyCode) string { return c.RootCode().String() }

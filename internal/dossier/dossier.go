// Package dossier is the one-stop workflow of the public service portal: dossiers (hồ sơ) submitted
// online or at the counter, coded receiving-agency-yyMMdd-sequence, moved through the ten national
// statuses by the transition table in workflow.go, with deadlines in working days from the shared
// calendar, files in the content-addressed store, the standard slips as PDF, results signed by the
// agency and kept in the applicant's data store, and on-time statistics.
package dossier

import (
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/vn"
)

// Channel is how a dossier arrived.
type Channel string

// The channels.
const (
	Online  Channel = "online"  // the applicant submitted it on the portal
	Counter Channel = "counter" // an officer registered it at the one-stop counter
	API     Channel = "api"     // another system (a ministry portal, an integrator) sent it
)

// ApplicantKind tells citizens from organisations.
type ApplicantKind string

// The applicant kinds (LoaiDoiTuong 1 and 2 in the national sync records).
const (
	Citizen  ApplicantKind = "citizen"
	Business ApplicantKind = "business"
)

// Applicant is who a dossier is for (chủ hồ sơ).
type Applicant struct {
	// UserID links an online applicant's account; 0 for counter dossiers without an account.
	UserID  int64         `json:"-"`
	Kind    ApplicantKind `json:"kind"`
	Name    string        `json:"name"`
	ID      string        `json:"id,omitempty"` // personal identification number or tax code
	Email   string        `json:"email,omitempty"`
	Phone   string        `json:"phone,omitempty"`
	Address string        `json:"address,omitempty"`
}

// File kinds.
const (
	FileSubmitted  = "submitted"  // handed in with the dossier
	FileSupplement = "supplement" // handed in after a request for more documents
	FileResult     = "result"     // the result issued by the agency
)

// File is a file of a dossier, kept in the file store under its SHA-256.
type File struct {
	Position    int       `json:"position"`
	Kind        string    `json:"kind"`
	Component   string    `json:"component,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Signed      bool      `json:"signed,omitempty"`
	UploadedAt  time.Time `json:"uploaded_at"`
	UploadedBy  string    `json:"uploaded_by"`
}

// Event is one recorded step of a dossier: who did what, when and why.
type Event struct {
	At        time.Time        `json:"at"`
	Actor     string           `json:"actor"`
	ActorName string           `json:"actor_name,omitempty"`
	Action    string           `json:"action"`
	From      vn.DossierStatus `json:"from_status"`
	To        vn.DossierStatus `json:"to_status"`
	Reason    string           `json:"reason,omitempty"`
	Detail    string           `json:"detail,omitempty"`
}

// Dossier is a hồ sơ: an application under one procedure instance at one receiving agency.
type Dossier struct {
	Code           string           `json:"code"`
	Agency         string           `json:"agency"`
	Procedure      string           `json:"procedure"`
	Instance       string           `json:"instance"`
	ProcedureName  string           `json:"procedure_name"`
	Status         vn.DossierStatus `json:"status"`
	StatusName     string           `json:"status_name"`
	ResumeStatus   vn.DossierStatus `json:"-"`
	Channel        Channel          `json:"channel"`
	Applicant      Applicant        `json:"applicant"`
	Subject        string           `json:"subject,omitempty"`
	ProcessingDays int              `json:"processing_days"`
	FeeTotal       int64            `json:"fee_total"`
	SubmittedAt    time.Time        `json:"submitted_at"`
	AcceptedAt     *time.Time       `json:"accepted_at,omitempty"`
	DueAt          *time.Time       `json:"due_at,omitempty"`
	DeadlineNote   string           `json:"deadline_note,omitempty"`
	Department     string           `json:"department,omitempty"`
	Assignee       string           `json:"assignee,omitempty"`
	ProcessedAt    *time.Time       `json:"processed_at,omitempty"`
	FinishedAt     *time.Time       `json:"finished_at,omitempty"`
	Rating         int              `json:"rating,omitempty"`
	RatingComment  string           `json:"rating_comment,omitempty"`
	Version        int              `json:"version"`
	UpdatedAt      time.Time        `json:"updated_at"`
	Files          []File           `json:"files,omitempty"`
	Events         []Event          `json:"events,omitempty"`
}

// Timeliness says where a dossier stands against its appointment date.
type Timeliness string

// The timeliness values.
const (
	NoDeadline Timeliness = ""         // not accepted yet, or closed without a result
	OnTrack    Timeliness = "on_track" // in the workflow, appointment not reached
	DueSoon    Timeliness = "due_soon" // in the workflow, appointment within DueSoonDays working days
	Overdue    Timeliness = "overdue"  // in the workflow, appointment passed
	OnTime     Timeliness = "on_time"  // processed by the appointment
	Late       Timeliness = "late"     // processed after the appointment
)

// DueSoonDays is how close (in working days) an appointment must be for a dossier to be listed as due soon.
const DueSoonDays = 2

// waiting reports whether the clock runs for the agency: accepted and not yet settled. While more
// documents or a payment are awaited the applicant holds the dossier, but it still shows its date.
func (d *Dossier) waiting() bool {
	switch d.Status {
	case vn.DossierAccepted, vn.DossierInProgress, vn.DossierMoreDocumentsRequested, vn.DossierPaymentRequested:
		return d.DueAt != nil
	}
	return false
}

// PublicView is what anyone with the code may see: no personal data beyond the applicant's name
// with all but its last word hidden.
type PublicView struct {
	Code          string           `json:"code"`
	ProcedureName string           `json:"procedure_name"`
	Agency        string           `json:"agency"`
	AgencyName    string           `json:"agency_name"`
	Applicant     string           `json:"applicant"`
	Status        vn.DossierStatus `json:"status"`
	StatusName    string           `json:"status_name"`
	StatusNameVI  string           `json:"status_name_vi"`
	SubmittedAt   time.Time        `json:"submitted_at"`
	AcceptedAt    *time.Time       `json:"accepted_at,omitempty"`
	DueAt         *time.Time       `json:"due_at,omitempty"`
	FinishedAt    *time.Time       `json:"finished_at,omitempty"`
	Timeliness    Timeliness       `json:"timeliness,omitempty"`
}

// maskName keeps the given name (the last word) of a Vietnamese full name: "Nguyễn Văn An" → "N. V. An".
func maskName(name string) string {
	words := strings.Fields(name)
	if len(words) <= 1 {
		return name
	}
	out := ""
	for _, w := range words[:len(words)-1] {
		r := []rune(w)
		out += string(r[0]) + ". "
	}
	return out + words[len(words)-1]
}

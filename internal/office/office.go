// Package office is an agency's document and work-file management (quản lý văn bản và hồ sơ công việc,
// công tác văn thư under Decree 30/2020/NĐ-CP): outgoing documents (văn bản đi) from draft through
// review, approval and signing to issue, when they get their gapless yearly number and notation
// such as 15/QĐ-UBND and go out through the document exchange axis; incoming documents (văn bản đến)
// registered from the axis or from paper with their yearly incoming number, assigned to departments
// and officers with working-day deadlines, with opinions, forwarding and completion reported to the
// sender in edXML status packets; the yearly list of work files (hồ sơ công việc) and the share of
// them handled electronically; and the outgoing and incoming registers of Phụ lục IV.
package office

import (
	"time"

	"github.com/lienthong/lienthong/internal/vn"
)

// OutStatus is where an outgoing document stands in the workflow of workflow.go.
type OutStatus string

// The outgoing statuses.
const (
	Draft     OutStatus = "draft"     // dự thảo: being written, may be changed
	Submitted OutStatus = "submitted" // trình: waiting for the leader's review
	Approved  OutStatus = "approved"  // duyệt: the leader approved the text
	Signed    OutStatus = "signed"    // ký: the competent person signed it
	Issued    OutStatus = "issued"    // ban hành: numbered, dated, sent out
	Cancelled OutStatus = "cancelled" // huỷ: abandoned before issue
)

// Series of the outgoing numbers: secret documents have their own (Decree 30); incoming documents
// have one per year.
const (
	SeriesNormal   = "normal"
	SeriesSecret   = "secret"
	SeriesIncoming = "incoming"
)

// Signature methods recorded on a signed document.
const (
	// SignedDigitally means a digital signature on the PDF (by the signing hook, or applied with the
	// leader's own token outside the platform and declared so): the document is electronic.
	SignedDigitally = "digital"
	// SignedOnPaper means a handwritten signature on the paper original.
	SignedOnPaper = "paper"
)

// Send states of an issued outgoing document with electronic recipients.
const (
	SendNone    = ""        // nothing goes through the axis (paper only, or secret)
	SendPending = "pending" // committed, not yet accepted by the axis
	SendSent    = "sent"    // the axis accepted the package
	SendFailed  = "failed"  // the last attempt failed; the poller tries again
)

// Recipient is one addressee (nơi nhận) of an outgoing document: an agency of the registry, which
// receives it through the axis unless Paper is set, or a free-text addressee that receives paper.
type Recipient struct {
	Agency string `json:"agency,omitempty"`
	Name   string `json:"name,omitempty"`
	Paper  bool   `json:"paper,omitempty"`
	// StatusCode is the latest status packet the recipient sent about the document (01–06, 02),
	// read from the axis when the document is loaded.
	StatusCode string `json:"status_code,omitempty"`
}

// Electronic reports whether the recipient is reached through the axis.
func (r Recipient) Electronic() bool { return r.Agency != "" && !r.Paper }

// File is a file of a document kept in the file store: the main text (role main: the PDF of an
// outgoing document, the scan or the received PDF of an incoming one) or an attachment.
type File struct {
	Position    int       `json:"position"`
	Role        string    `json:"role"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	AddedAt     time.Time `json:"added_at"`
	AddedBy     string    `json:"added_by"`
}

// File roles.
const (
	RoleMain       = "main"
	RoleAttachment = "attachment"
)

// Event is one recorded step of a document or work file.
type Event struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	ActorName string    `json:"actor_name,omitempty"`
	Action    string    `json:"action"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// Outgoing is an outgoing document (văn bản đi).
type Outgoing struct {
	ID                       int64              `json:"id"`
	Agency                   string             `json:"agency"`
	AgencyName               string             `json:"agency_name,omitempty"`
	Status                   OutStatus          `json:"status"`
	Type                     int                `json:"type"`
	TypeName                 string             `json:"type_name"`
	TypeAbbreviation         string             `json:"type_abbreviation,omitempty"`
	Subject                  string             `json:"subject"`
	Summary                  string             `json:"summary,omitempty"`
	DraftingUnit             string             `json:"drafting_unit,omitempty"`
	DraftingUnitAbbreviation string             `json:"drafting_unit_abbreviation,omitempty"`
	SignerName               string             `json:"signer_name,omitempty"`
	SignerTitle              string             `json:"signer_title,omitempty"`
	SignerCompetence         string             `json:"signer_competence,omitempty"`
	Urgency                  vn.Urgency         `json:"urgency"`
	UrgencyName              string             `json:"urgency_name"`
	Confidentiality          vn.Confidentiality `json:"confidentiality"`
	ConfidentialityName      string             `json:"confidentiality_name"`
	Place                    string             `json:"place,omitempty"`
	Copies                   int                `json:"copies,omitempty"`
	Keeper                   string             `json:"keeper,omitempty"`
	Note                     string             `json:"note,omitempty"`
	DueDate                  string             `json:"due_date,omitempty"`
	Recipients               []Recipient        `json:"recipients"`
	// Series, Year, Number and Notation are set at issue: NumberNotation is what the document
	// shows after "Số:", such as 01/QĐ-UBND.
	Series          string     `json:"series,omitempty"`
	Year            int        `json:"year,omitempty"`
	Number          int        `json:"number,omitempty"`
	Notation        string     `json:"notation,omitempty"`
	NumberNotation  string     `json:"number_notation,omitempty"`
	IssueDate       string     `json:"issue_date,omitempty"`
	IssuedAt        *time.Time `json:"issued_at,omitempty"`
	IssuedBy        string     `json:"issued_by,omitempty"`
	CreatedBy       string     `json:"created_by"`
	CreatedByName   string     `json:"created_by_name,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	ApprovedBy      string     `json:"approved_by,omitempty"`
	ApprovedByName  string     `json:"approved_by_name,omitempty"`
	ApprovedAt      *time.Time `json:"approved_at,omitempty"`
	Signed          bool       `json:"signed"`
	SignedBy        string     `json:"signed_by,omitempty"`
	SignedByName    string     `json:"signed_by_name,omitempty"`
	SignedAt        *time.Time `json:"signed_at,omitempty"`
	SignatureMethod string     `json:"signature_method,omitempty"`
	// AxisDocumentID is the edXML DocumentId the document travels under; AxisID the axis's
	// identifier of the package once accepted.
	AxisDocumentID string     `json:"axis_document_id,omitempty"`
	AxisID         string     `json:"axis_id,omitempty"`
	SendState      string     `json:"send_state,omitempty"`
	SendError      string     `json:"send_error,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	Version        int        `json:"version"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Files          []File     `json:"files"`
	Events         []Event    `json:"events,omitempty"`
	// Relation is set when the document recalls, updates or replaces an earlier one; Superseded
	// lists the later documents that did so to this one.
	Relation   *Relation      `json:"relation,omitempty"`
	Superseded []Supersession `json:"superseded,omitempty"`

	packageSHA   string
	sendAttempts int
}

// Electronic reports whether the document is an electronic one: signed digitally.
func (o *Outgoing) Electronic() bool { return o.Signed && o.SignatureMethod == SignedDigitally }

// main returns the main file, if any.
func (o *Outgoing) main() (File, bool) {
	for _, f := range o.Files {
		if f.Role == RoleMain {
			return f, true
		}
	}
	return File{}, false
}

// InStatus is where an incoming document stands.
type InStatus string

// The incoming statuses. Each change of a document that came through the axis is reported to its
// sender in a status packet: arrived 01, registered 03, assigned 04, in progress 05, done 06,
// refused 02.
const (
	Arrived    InStatus = "arrived"     // picked up from the axis, not yet registered
	Registered InStatus = "registered"  // in the incoming register with its number
	Assigned   InStatus = "assigned"    // given to a department or officer to handle
	InProgress InStatus = "in_progress" // the officer started on it
	Done       InStatus = "done"        // handled
	Refused    InStatus = "refused"     // refused, with a reason (not registered)
)

// Sources of incoming documents.
const (
	FromAxis  = "axis"
	FromPaper = "paper"
)

// Incoming is an incoming document (văn bản đến).
type Incoming struct {
	ID                  int64              `json:"id"`
	Agency              string             `json:"agency"`
	Status              InStatus           `json:"status"`
	Source              string             `json:"source"`
	AxisID              string             `json:"axis_id,omitempty"`
	AxisDocumentID      string             `json:"axis_document_id,omitempty"`
	Sender              string             `json:"sender,omitempty"`
	SenderName          string             `json:"sender_name"`
	Type                int                `json:"type,omitempty"`
	TypeName            string             `json:"type_name,omitempty"`
	CodeNumber          string             `json:"code_number,omitempty"`
	CodeNotation        string             `json:"code_notation,omitempty"`
	NumberNotation      string             `json:"number_notation,omitempty"`
	DocumentDate        string             `json:"document_date,omitempty"`
	Subject             string             `json:"subject"`
	Summary             string             `json:"summary,omitempty"`
	SignerName          string             `json:"signer_name,omitempty"`
	SignerTitle         string             `json:"signer_title,omitempty"`
	Urgency             vn.Urgency         `json:"urgency"`
	UrgencyName         string             `json:"urgency_name"`
	Confidentiality     vn.Confidentiality `json:"confidentiality"`
	ConfidentialityName string             `json:"confidentiality_name"`
	DueAt               *time.Time         `json:"due_at,omitempty"`
	Note                string             `json:"note,omitempty"`
	ReceivedAt          time.Time          `json:"received_at"`
	Year                int                `json:"year,omitempty"`
	Number              int                `json:"number,omitempty"`
	RegisteredAt        *time.Time         `json:"registered_at,omitempty"`
	RegisteredBy        string             `json:"registered_by,omitempty"`
	RefusedReason       string             `json:"refused_reason,omitempty"`
	CompletedAt         *time.Time         `json:"completed_at,omitempty"`
	CreatedBy           string             `json:"created_by"`
	Version             int                `json:"version"`
	UpdatedAt           time.Time          `json:"updated_at"`
	Files               []File             `json:"files"`
	Assignments         []Assignment       `json:"assignments,omitempty"`
	Opinions            []Opinion          `json:"opinions,omitempty"`
	Statuses            []StatusReport     `json:"statuses,omitempty"`
	Events              []Event            `json:"events,omitempty"`
	// Relation and Superseded: as on Outgoing, from the business type of the received packages.
	Relation   *Relation      `json:"relation,omitempty"`
	Superseded []Supersession `json:"superseded,omitempty"`
}

// Revoked returns the supersession by which the sender recalled the document, or nil.
func (in *Incoming) Revoked() *Supersession { return revokedBy(in.Superseded) }

// Electronic reports whether the document came as an electronic document, through the axis.
func (in *Incoming) Electronic() bool { return in.Source == FromAxis }

// Assignment roles (Decree 30: the unit in charge, those that cooperate, those informed).
const (
	RoleLead    = "lead"    // chủ trì: handles the document; its completion completes the document
	RoleSupport = "support" // phối hợp
	RoleInform  = "inform"  // để biết
)

// Assignment states.
const (
	AssignOpen      = "open"
	AssignStarted   = "started"
	AssignForwarded = "forwarded"
	AssignDone      = "done"
)

// Assignment gives an incoming document to a department and/or an officer.
type Assignment struct {
	ID           int64      `json:"id"`
	IncomingID   int64      `json:"incoming_id"`
	Agency       string     `json:"agency"`
	Assignee     string     `json:"assignee,omitempty"`
	AssigneeName string     `json:"assignee_name,omitempty"`
	Department   string     `json:"department,omitempty"`
	Role         string     `json:"role"`
	Deadline     *time.Time `json:"deadline,omitempty"`
	Status       string     `json:"status"`
	Note         string     `json:"note,omitempty"`
	AssignedBy   string     `json:"assigned_by"`
	AssignedAt   time.Time  `json:"assigned_at"`
	StartedAt    *time.Time `json:"started_at,omitempty"`
	ForwardedTo  int64      `json:"forwarded_to,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	Result       string     `json:"result,omitempty"`
	// Timeliness is computed when the assignment is read: on_track, due_soon, overdue, on_time or late.
	Timeliness string `json:"timeliness,omitempty"`
}

// Opinion is a comment (ý kiến) on an incoming document.
type Opinion struct {
	ID           int64     `json:"id"`
	AssignmentID int64     `json:"assignment_id,omitempty"`
	Author       string    `json:"author"`
	AuthorName   string    `json:"author_name,omitempty"`
	Text         string    `json:"text"`
	At           time.Time `json:"at"`
}

// StatusReport is a status packet reported, or waiting to be reported, to the sender.
type StatusReport struct {
	Code        string     `json:"code"`
	Description string     `json:"description,omitempty"`
	At          time.Time  `json:"at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	Error       string     `json:"error,omitempty"`
}

// Timeliness values of an assignment.
const (
	OnTrack = "on_track"
	DueSoon = "due_soon"
	Overdue = "overdue"
	OnTime  = "on_time"
	Late    = "late"
)

// File states of a work file.
const (
	FileOpen     = "open"
	FileClosed   = "closed"
	FileArchived = "archived" // handed over to the agency's archive (lưu trữ cơ quan)
)

// WorkFile is a work file (hồ sơ công việc) of an agency's yearly list (danh mục hồ sơ). Its code is
// {agency code}.{year}.{file number}.{group abbreviation}, such as 000.00.00.G09.2010.01.TH.
type WorkFile struct {
	ID         int64      `json:"id"`
	Agency     string     `json:"agency"`
	Year       int        `json:"year"`
	Number     string     `json:"number"`
	Group      string     `json:"group"`
	Code       string     `json:"code"`
	Title      string     `json:"title"`
	Heading    string     `json:"heading,omitempty"`
	Keeper     string     `json:"keeper,omitempty"`
	Retention  string     `json:"retention,omitempty"`
	Status     string     `json:"status"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	ClosedBy   string     `json:"closed_by,omitempty"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	ArchivedBy string     `json:"archived_by,omitempty"`
	Version    int        `json:"version"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Items      []FileItem `json:"items"`
	// Electronic is true when the file holds documents and every one was handled electronically.
	Electronic bool `json:"electronic"`
}

// FileItem is a document in a work file.
type FileItem struct {
	Position       int       `json:"position"`
	Kind           string    `json:"kind"` // outgoing or incoming
	DocumentID     int64     `json:"document_id"`
	NumberNotation string    `json:"number_notation,omitempty"`
	Subject        string    `json:"subject,omitempty"`
	Electronic     bool      `json:"electronic"`
	AddedAt        time.Time `json:"added_at"`
	AddedBy        string    `json:"added_by"`
}

// Document kinds in work files, events and attachments.
const (
	KindOutgoing = "outgoing"
	KindIncoming = "incoming"
	kindFile     = "file"
)

// Settings are an agency's office settings.
type Settings struct {
	Agency string `json:"agency"`
	// AutoRegister registers documents arriving through the axis at once, with the poller.
	AutoRegister bool `json:"auto_register"`
	// Place is the place name (địa danh) printed before the date, such as "Đà Lạt".
	Place     string    `json:"place,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

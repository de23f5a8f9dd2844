// Package auth holds officer accounts, applicant accounts (citizens and businesses using the public
// service portal), machine clients, sessions, bearer tokens and the roles that decide who may do
// what. Roles are scoped to an agency subtree: a clerk granted at 000.00.00.H36 acts for every
// agency whose identifier code lies under it. Applicants never hold roles.
package auth

import (
	"context"
	"strings"

	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Role is what a person may do within an agency subtree.
type Role string

// The roles. Admin implies every other role within its scope.
const (
	Admin   Role = "admin"
	Clerk   Role = "clerk"   // văn thư: registers, numbers and sends documents
	Officer Role = "officer" // chuyên viên: processes assigned work
	Leader  Role = "leader"  // lãnh đạo: approves and signs
	Viewer  Role = "viewer"  // reads only
)

// Roles lists the roles in display order.
var Roles = []Role{Admin, Clerk, Officer, Leader, Viewer}

// Everywhere is the agency scope of a grant that covers every agency.
const Everywhere = "*"

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Grant gives a role over an agency subtree.
type Grant struct {
	Role   Role   `json:"role"`
	Agency string `json:"agency"`
}

// Covers reports whether the grant's scope contains the agency code.
func (g Grant) Covers(agency string) bool {
	return ScopeCovers(g.Agency, agency)
}

// ScopeCovers reports whether the subtree rooted at scope contains code ("*" contains everything).
func ScopeCovers(scope, code string) bool {
	if scope == Everywhere {
		return true
	}
	if scope == code {
		return true
	}
	s, err1 := vn.ParseAgencyCode(scope)
	c, err2 := vn.ParseAgencyCode(code)
	return err1 == nil && err2 == nil && c.Within(s)
}

// Kind tells people from machines.
type Kind string

// The principal kinds.
const (
	KindUser   Kind = "user"
	KindClient Kind = "client"
)

// Principal is whoever makes a request: an officer or an applicant with a session, or a machine
// client with a token.
type Principal struct {
	Kind   Kind    `json:"kind"`
	ID     string  `json:"id"` // login or client id
	Name   string  `json:"name"`
	UserID int64   `json:"-"`
	Grants []Grant `json:"grants,omitempty"`
	// ApplicantKind is set when the user is an applicant (a citizen or a business with a portal
	// account) rather than an officer; applicants never hold grants. See IsApplicant.
	ApplicantKind ApplicantKind `json:"applicant_kind,omitempty"`
	// Agency and Subtree describe a machine client: it acts for Agency, and for its whole subtree
	// when Subtree is set (a provincial system serving every agency of its province).
	Agency  string `json:"agency,omitempty"`
	Subtree bool   `json:"subtree,omitempty"`
	// CSRF is the session's anti-forgery token, echoed in forms.
	CSRF string `json:"-"`
}

// Actor is the principal's name in the audit log ("user:lan.nt", "client:abc").
func (p *Principal) Actor() string {
	if p == nil {
		return "anonymous"
	}
	return string(p.Kind) + ":" + p.ID
}

// Can reports whether the principal holds role (or admin) over agency. Use agency "" to ask
// whether it holds the role anywhere.
func (p *Principal) Can(role Role, agency string) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.Role != role && g.Role != Admin {
			continue
		}
		if agency == "" || g.Covers(agency) {
			return true
		}
	}
	return false
}

// ActsFor reports whether a machine client may act as agency (send as it, read its inbox).
func (p *Principal) ActsFor(agency string) bool {
	if p == nil || p.Kind != KindClient {
		return false
	}
	if p.Agency == agency {
		return true
	}
	return p.Subtree && ScopeCovers(p.Agency, agency)
}

// Require returns a Forbidden error unless the principal holds role over agency.
func Require(ctx context.Context, role Role, agency string) error {
	p := FromContext(ctx)
	if p == nil {
		return errs.New(errs.Unauthorized, "please log in")
	}
	if !p.Can(role, agency) {
		where := agency
		if where == "" {
			where = "any agency"
		}
		return errs.Reasonf(errs.Forbidden, "missing_role", "%s needs the %s role for %s", p.Actor(), role, where)
	}
	return nil
}

type ctxKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the request's principal, or nil for an anonymous request.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// ParseGrant reads "role@agency" (agency "*" for everywhere).
func ParseGrant(s string) (Grant, error) {
	role, agency, ok := strings.Cut(s, "@")
	g := Grant{Role: Role(strings.TrimSpace(role)), Agency: strings.TrimSpace(agency)}
	if !ok || !ValidRole(g.Role) {
		return g, errs.Reasonf(errs.Invalid, "bad_grant", "grant %q: want role@agency with role one of admin, clerk, officer, leader, viewer", s)
	}
	if g.Agency != Everywhere && !vn.ValidAgencyCode(g.Agency) {
		return g, errs.Reasonf(errs.Invalid, "bad_identifier_code", "grant %q: %q is not an agency identifier code", s, g.Agency)
	}
	return g, nil
}

package accounts

import (
	"net/http"
	"strings"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/web"
)

// signedInUsers lets in citizens and businesses only; officers are refused by the route table.
var signedInUsers = api.ApplicantsOnly

// CodeRequest asks for a verification code for the caller's e-mail address or phone.
type CodeRequest struct {
	Channel auth.Channel `json:"channel"` // "email" or "phone"
}

// CodeConfirmation is a verification code the caller received.
type CodeConfirmation struct {
	Channel auth.Channel `json:"channel"`
	Code    string       `json:"code"`
}

// applicantRoutes are the API of applicant accounts (citizens and businesses).
func (h *Handler) applicantRoutes() []api.Route {
	return []api.Route{
		{Method: "POST", Path: "/api/v1/applicants", Summary: "Register a citizen or business account (public); repeating a registration is a conflict", Tag: "accounts",
			Access: api.Public, Handler: h.apiRegisterApplicant, Request: auth.NewApplicant{}, Response: auth.Applicant{}},
		{Method: "GET", Path: "/api/v1/applicants/me", Summary: "The signed-in applicant's profile", Tag: "accounts",
			Access: signedInUsers, Handler: h.apiApplicant, Response: auth.Applicant{}},
		{Method: "PATCH", Path: "/api/v1/applicants/me", Summary: "Change the signed-in applicant's e-mail, phone or address; a changed e-mail or phone must be verified again", Tag: "accounts",
			Access: signedInUsers, Handler: h.apiUpdateApplicant, Request: auth.ApplicantUpdate{}, Response: auth.Applicant{}},
		{Method: "POST", Path: "/api/v1/applicants/me/verification-codes", Summary: "Send a verification code to the signed-in applicant's e-mail or phone", Tag: "accounts",
			Access: signedInUsers, Handler: h.apiIssueCode, Request: CodeRequest{}, Response: auth.CodeSent{}},
		{Method: "POST", Path: "/api/v1/applicants/me/verify", Summary: "Confirm a verification code: the e-mail or phone becomes verified", Tag: "accounts",
			Access: signedInUsers, Handler: h.apiConfirmCode, Request: CodeConfirmation{}, Response: auth.Applicant{}},
	}
}

// applicantPageRoutes are the registration and profile pages.
func (h *Handler) applicantPageRoutes() []api.Route {
	return []api.Route{
		{Method: "GET", Path: "/register", Page: true, Access: api.Public, Handler: h.pageRegister},
		{Method: "POST", Path: "/register", Page: true, Access: api.Public, Handler: h.pageRegisterPost},
		{Method: "GET", Path: "/me", Page: true, Access: signedInUsers, Handler: h.pageMe},
		{Method: "POST", Path: "/me", Page: true, Access: signedInUsers, Handler: h.pageMeUpdate},
		{Method: "POST", Path: "/me/codes", Page: true, Access: signedInUsers, Handler: h.pageMeCode},
		{Method: "POST", Path: "/me/verify", Page: true, Access: signedInUsers, Handler: h.pageMeVerify},
	}
}

// applicantOf returns the request's applicant, or Forbidden for an officer.
func applicantOf(r *http.Request) (*auth.Principal, error) {
	p := auth.FromContext(r.Context())
	if !p.IsApplicant() {
		return nil, errs.Reasonf(errs.Forbidden, "not_applicant", "this is for citizens and businesses with a portal account, not for officers")
	}
	return p, nil
}

func (h *Handler) apiRegisterApplicant(w http.ResponseWriter, r *http.Request) error {
	var na auth.NewApplicant
	if err := api.DecodeJSON(r, &na); err != nil {
		return err
	}
	u, err := h.Auth.RegisterApplicant(r.Context(), na)
	if err != nil {
		return err
	}
	a, err := h.Auth.Applicant(r.Context(), u.ID)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (h *Handler) apiApplicant(w http.ResponseWriter, r *http.Request) error {
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	a, err := h.Auth.Applicant(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) apiUpdateApplicant(w http.ResponseWriter, r *http.Request) error {
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	var up auth.ApplicantUpdate
	if err := api.DecodeJSON(r, &up); err != nil {
		return err
	}
	a, err := h.Auth.UpdateApplicant(r.Context(), p.UserID, up)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) apiIssueCode(w http.ResponseWriter, r *http.Request) error {
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	var cr CodeRequest
	if err := api.DecodeJSON(r, &cr); err != nil {
		return err
	}
	sent, err := h.Auth.IssueVerificationCode(r.Context(), p.UserID, cr.Channel)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, sent)
	return nil
}

func (h *Handler) apiConfirmCode(w http.ResponseWriter, r *http.Request) error {
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	var cc CodeConfirmation
	if err := api.DecodeJSON(r, &cc); err != nil {
		return err
	}
	a, err := h.Auth.ConfirmVerificationCode(r.Context(), p.UserID, cc.Channel, cc.Code)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, a)
	return nil
}

// Problem is an error shown on a form, in the page's language.
type Problem struct {
	Message string
	// Fields lists the fields at fault in form order, each with its message.
	Fields []FieldProblem
}

// FieldProblem is one field at fault.
type FieldProblem struct {
	Field   string
	Label   string
	Message string
}

// Has reports whether the field is at fault (for aria-invalid).
func (p *Problem) Has(field string) bool {
	if p == nil {
		return false
	}
	for _, f := range p.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// problemOf translates a service error for a form: the catalogue has a sentence for each reason
// (applicant.error.<reason>) and field (applicant.invalid.<field>, or
// applicant.invalid.<reason>.<field> for a more precise one); what it lacks is shown as the
// service said it.
func (h *Handler) problemOf(r *http.Request, err error) *Problem {
	e := errs.As(err)
	msgs := h.Pages.Messages(web.Lang(r))
	p := &Problem{Message: e.Message}
	if m, ok := msgs["applicant.error."+e.Reason]; ok {
		p.Message = m
	}
	for _, f := range e.Fields {
		fp := FieldProblem{Field: f.Field, Label: f.Field, Message: f.Message}
		if m, ok := msgs["applicant.field."+f.Field]; ok {
			fp.Label = m
		}
		if m, ok := msgs["applicant.invalid."+e.Reason+"."+f.Field]; ok {
			fp.Message = m
		} else if m, ok := msgs["applicant.invalid."+f.Field]; ok {
			fp.Message = m
		}
		p.Fields = append(p.Fields, fp)
	}
	return p
}

// RegisterView is the view of the registration page.
type RegisterView struct {
	Kind    auth.ApplicantKind
	Form    auth.NewApplicant // without the password
	Problem *Problem
}

func (h *Handler) pageRegister(w http.ResponseWriter, r *http.Request) error {
	if auth.FromContext(r.Context()).IsApplicant() {
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return nil
	}
	kind := auth.Citizen
	if r.URL.Query().Get("kind") == string(auth.Business) {
		kind = auth.Business
	}
	return h.Pages.Render(w, r, http.StatusOK, "register", "applicant.register.title", RegisterView{Kind: kind, Form: auth.NewApplicant{Kind: kind}})
}

func (h *Handler) pageRegisterPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Reasonf(errs.Invalid, "bad_form", "the form could not be read")
	}
	f := r.PostForm
	na := auth.NewApplicant{Kind: auth.ApplicantKind(f.Get("kind")), IdentificationNumber: f.Get("identification_number"),
		FullName: f.Get("full_name"), DateOfBirth: f.Get("date_of_birth"), Email: f.Get("email"), Phone: f.Get("phone"),
		Address: f.Get("address"), Password: f.Get("password")}
	if na.Kind == auth.Business {
		na.BusinessName, na.TaxCode = f.Get("business_name"), f.Get("tax_code")
	}
	kind := auth.Citizen
	if na.Kind == auth.Business {
		kind = auth.Business
	}
	fail := func(err error) error {
		e := errs.As(err)
		if e.Code == errs.Internal {
			return err
		}
		form := na
		form.Password = ""
		return h.Pages.Render(w, r, api.Status(err), "register", "applicant.register.title", RegisterView{Kind: kind, Form: form, Problem: h.problemOf(r, err)})
	}
	if na.Password != f.Get("password2") {
		return fail(errs.Reasonf(errs.Invalid, "password_mismatch", "the two passwords differ").
			WithFields(errs.FieldError{Field: "password2", Message: "differs from the password"}))
	}
	u, err := h.Auth.RegisterApplicant(r.Context(), na)
	if err != nil {
		return fail(err)
	}
	// Registered: open a session straight away, as a login would.
	token, _, err := h.Auth.Login(r.Context(), u.Login, na.Password)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(h.SessionTTL.Seconds())})
	http.Redirect(w, r, "/me?welcome=1", http.StatusSeeOther)
	return nil
}

// MeView is the view of the applicant's profile page.
type MeView struct {
	Applicant auth.Applicant
	// Notice is a catalogue key of what just happened ("applicant.me.saved", …).
	Notice string
	// Sent describes the code just sent; CodesLogged says that it went to the server log.
	Sent        *auth.CodeSent
	CodesLogged bool
	// Verified is the channel just verified.
	Verified auth.Channel
	Problem  *Problem
	// Form holds the contact fields as typed when they were refused.
	Form *auth.Applicant
}

func (h *Handler) renderMe(w http.ResponseWriter, r *http.Request, fill func(*MeView), opErr error) error {
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	a, err := h.Auth.Applicant(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	v := MeView{Applicant: a, CodesLogged: h.Auth.CodesLogged()}
	status := http.StatusOK
	if opErr != nil {
		if errs.As(opErr).Code == errs.Internal {
			return opErr
		}
		v.Problem = h.problemOf(r, opErr)
		status = api.Status(opErr)
	}
	if fill != nil {
		fill(&v)
	}
	return h.Pages.Render(w, r, status, "me", "applicant.me.title", v)
}

func (h *Handler) pageMe(w http.ResponseWriter, r *http.Request) error {
	return h.renderMe(w, r, func(v *MeView) {
		if r.URL.Query().Get("welcome") != "" {
			v.Notice = "applicant.me.welcome"
		}
	}, nil)
}

func (h *Handler) pageMeUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	email, phone, address := f.Get("email"), f.Get("phone"), f.Get("address")
	_, err = h.Auth.UpdateApplicant(r.Context(), p.UserID, auth.ApplicantUpdate{Email: &email, Phone: &phone, Address: &address})
	return h.renderMe(w, r, func(v *MeView) {
		if err != nil {
			typed := v.Applicant
			typed.Email, typed.Phone, typed.Address = email, phone, address
			v.Form = &typed
			return
		}
		v.Notice = "applicant.me.saved"
	}, err)
}

func (h *Handler) pageMeCode(w http.ResponseWriter, r *http.Request) error {
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	sent, err := h.Auth.IssueVerificationCode(r.Context(), p.UserID, auth.Channel(strings.TrimSpace(r.PostForm.Get("channel"))))
	return h.renderMe(w, r, func(v *MeView) {
		if err == nil {
			v.Sent = &sent
		}
	}, err)
}

func (h *Handler) pageMeVerify(w http.ResponseWriter, r *http.Request) error {
	if err := web.CheckCSRF(r); err != nil {
		return err
	}
	p, err := applicantOf(r)
	if err != nil {
		return err
	}
	ch := auth.Channel(strings.TrimSpace(r.PostForm.Get("channel")))
	_, err = h.Auth.ConfirmVerificationCode(r.Context(), p.UserID, ch, r.PostForm.Get("code"))
	return h.renderMe(w, r, func(v *MeView) {
		if err == nil {
			v.Verified = ch
		}
	}, err)
}

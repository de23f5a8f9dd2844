package sso

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// ScopeVN asks for the national portal's own claim names (HoVaTen, SoDinhDanh, …).
const ScopeVN = "vn"

// SessionCookie is the provider's own session cookie (silent logins while it lasts).
const SessionCookie = "lt_sso"

//go:embed templates/login.html
var templates embed.FS

var loginPage = template.Must(template.ParseFS(templates, "templates/login.html"))

// loginText is the page's wording, Vietnamese first.
type loginText struct{ Title, For, Login, Password, TOTP, TOTPHint, Submit, BadLogin, BadTOTP, Expired string }

var messages = map[string]loginText{
	"vi": {Title: "Đăng nhập một lần", For: "Đăng nhập để sử dụng", Login: "Số định danh cá nhân hoặc mã số thuế",
		Password: "Mật khẩu", TOTP: "Mã xác thực (6 chữ số)", TOTPHint: "Mở ứng dụng xác thực trên điện thoại và nhập mã đang hiển thị.",
		Submit: "Đăng nhập", BadLogin: "Sai tài khoản hoặc mật khẩu.", BadTOTP: "Mã xác thực không đúng.",
		Expired: "Yêu cầu đăng nhập đã hết hạn, vui lòng quay lại trang dịch vụ."},
	"en": {Title: "Single sign-on", For: "Sign in to use", Login: "Identification number or tax code",
		Password: "Password", TOTP: "Authentication code (6 digits)", TOTPHint: "Open the authenticator app on your phone and enter the code shown.",
		Submit: "Sign in", BadLogin: "Wrong login or password.", BadTOTP: "Wrong authentication code.",
		Expired: "This sign-in request has expired; please go back to the service."},
}

func langOf(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && c.Value == "en" {
		return "en"
	}
	if strings.HasPrefix(r.Header.Get("Accept-Language"), "en") {
		return "en"
	}
	return "vi"
}

type loginView struct {
	Lang, Action, ID, Client, Login, Error string
	NeedTOTP                               bool
	T                                      loginText
}

func (p *Provider) request(id string) (*authRequest, bool) {
	p.mem.mu.Lock()
	defer p.mem.mu.Unlock()
	a, ok := p.mem.requests[id]
	return a, ok
}

func wantsLoA2(a *authRequest) bool { return slices.Contains(a.req.ACRValues, LoA2) }

// pageLogin shows the login form, or completes the request at once when the provider session
// already satisfies it (no consent step: the relying parties are government services).
func (p *Provider) pageLogin(w http.ResponseWriter, r *http.Request) {
	a, ok := p.request(r.URL.Query().Get("id"))
	lang := langOf(r)
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		p.render(w, r, loginView{Error: messages[lang].Expired})
		return
	}
	if ses := p.session(r); ses != nil && !slices.Contains(a.req.Prompt, oidc.PromptLogin) && (!wantsLoA2(a) || ses.acr == LoA2) {
		p.complete(w, r, a, ses)
		return
	}
	if slices.Contains(a.req.Prompt, oidc.PromptNone) {
		// The client asked not to show any page: tell it the user must log in.
		op.AuthRequestError(w, r, a.req, oidc.ErrLoginRequired(), p.op)
		return
	}
	p.render(w, r, loginView{ID: a.id, Client: a.req.ClientID, NeedTOTP: wantsLoA2(a)})
}

func (p *Provider) render(w http.ResponseWriter, r *http.Request, v loginView) {
	v.Lang = langOf(r)
	v.T = messages[v.Lang]
	v.Action = p.path + "/login"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	_ = loginPage.Execute(w, v)
}

// pageLoginPost checks the password (and TOTP when asked for or enrolled), opens the provider
// session and sends the browser back to the authorization endpoint to finish.
func (p *Provider) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := messages[langOf(r)]
	a, ok := p.request(r.FormValue("id"))
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		p.render(w, r, loginView{Error: t.Expired})
		return
	}
	login := strings.TrimSpace(r.FormValue("login"))
	view := loginView{ID: a.id, Client: a.req.ClientID, Login: login, NeedTOTP: wantsLoA2(a)}
	userID, err := p.checkPassword(ctx, login, r.FormValue("password"))
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		view.Error = t.BadLogin
		if e := errs.As(err); e != nil && e.Reason != "bad_credentials" && e.Reason != "" {
			view.Error = e.Message
		}
		p.render(w, r, view)
		return
	}
	subject, secret, err := p.account(ctx, userID)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	ses := &session{userID: userID, subject: subject, acr: LoA1, amr: []string{"pwd"}, authTime: p.db.Now().UTC()}
	if secret != "" || wantsLoA2(a) {
		view.NeedTOTP = true
		code := strings.TrimSpace(r.FormValue("totp"))
		if secret == "" || code == "" || !totp.Validate(code, secret) {
			w.WriteHeader(http.StatusUnauthorized)
			if code != "" || secret == "" {
				view.Error = t.BadTOTP
			}
			p.render(w, r, view)
			return
		}
		ses.acr, ses.amr = LoA2, []string{"pwd", "otp", "mfa"}
	}
	ses.expires = ses.authTime.Add(p.opt.SessionTTL)
	id := randomID(32)
	rec := sessionRecord{UserID: ses.userID, Subject: ses.subject, ACR: ses.acr, AMR: ses.amr, AuthTime: ses.authTime, Expires: ses.expires}
	if err := p.saveState(r.Context(), stateSession, id, ses.subject, "", rec, ses.expires, ""); err != nil {
		http.Error(w, "the sign-in could not be recorded; try again", http.StatusServiceUnavailable)
		return
	}
	p.mem.mu.Lock()
	p.mem.sessions[id] = ses
	p.mem.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: p.path, HttpOnly: true, Secure: p.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: ses.expires})
	p.complete(w, r, a, ses)
}

// session returns the provider session of the request's cookie, if still valid.
func (p *Provider) session(r *http.Request) *session {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	p.mem.mu.Lock()
	s, ok := p.mem.sessions[c.Value]
	p.mem.mu.Unlock()
	if !ok {
		// Not in this process: made before a restart or by another instance; the table knows.
		var rec sessionRecord
		if found, err := p.loadState(r.Context(), stateSession, c.Value, &rec); err != nil || !found {
			return nil
		}
		s = &session{userID: rec.UserID, subject: rec.Subject, acr: rec.ACR, amr: rec.AMR, authTime: rec.AuthTime, expires: rec.Expires}
		p.mem.mu.Lock()
		p.mem.sessions[c.Value] = s
		p.mem.mu.Unlock()
	}
	if p.db.Now().After(s.expires) {
		return nil
	}
	return s
}

// complete marks the request authenticated and lets op issue the code.
func (p *Provider) complete(w http.ResponseWriter, r *http.Request, a *authRequest, s *session) {
	p.mem.mu.Lock()
	a.subject, a.userID, a.acr, a.amr, a.authTime, a.done = s.subject, s.userID, s.acr, s.amr, s.authTime, true
	p.mem.mu.Unlock()
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(op.ContextWithIssuer(r.Context(), p.opt.Issuer), a.id), http.StatusFound)
}

// checkPassword verifies an applicant's login and password with internal/auth (lockout and
// audit included) and returns the user id; the officer-style session it opens is closed at once.
func (p *Provider) checkPassword(ctx context.Context, login, password string) (int64, error) {
	token, pr, err := p.auth.Login(ctx, login, password)
	if err != nil {
		return 0, err
	}
	_ = p.auth.Logout(ctx, token)
	if !pr.IsApplicant() {
		return 0, auth.ErrBadCredentials // officers do not sign in to other portals here
	}
	return pr.UserID, nil
}

// account returns the applicant's stable subject (created on first use: a random value, never
// the identification number) and TOTP secret ("" when not enrolled).
func (p *Provider) account(ctx context.Context, userID int64) (subject, secret string, err error) {
	err = p.db.Tx(ctx, func(tx *db.Tx) error {
		var enabled *time.Time
		err := tx.QueryRow(ctx, "SELECT subject, totp_secret, totp_enabled_at FROM sso_accounts WHERE user_id = ?", userID).Scan(&subject, &secret, &enabled)
		if db.IsNoRows(err) {
			subject = randomID(16)
			_, err = tx.Exec(ctx, "INSERT INTO sso_accounts (user_id, subject) VALUES (?, ?)", userID, subject)
			return err
		}
		if enabled == nil {
			secret = ""
		}
		return err
	})
	return subject, secret, err
}

// EnrolTOTP starts TOTP enrolment for an applicant: it returns the otpauth:// URI to show as a
// QR code. The factor is used only after ConfirmTOTP with a code from the app.
func (p *Provider) EnrolTOTP(ctx context.Context, userID int64, accountName string) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Liên Thông", AccountName: accountName})
	if err != nil {
		return "", err
	}
	if _, _, err := p.account(ctx, userID); err != nil {
		return "", err
	}
	err = p.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE sso_accounts SET totp_secret = ?, totp_enabled_at = NULL WHERE user_id = ?", key.Secret(), userID)
		return err
	})
	return key.URL(), err
}

// ConfirmTOTP turns the enrolled factor on once the applicant proves the app works.
func (p *Provider) ConfirmTOTP(ctx context.Context, userID int64, code string) error {
	return p.db.Tx(ctx, func(tx *db.Tx) error {
		var secret string
		err := tx.QueryRow(ctx, "SELECT totp_secret FROM sso_accounts WHERE user_id = ?", userID).Scan(&secret)
		if db.IsNoRows(err) || (err == nil && secret == "") {
			return errs.Reasonf(errs.Invalid, "not_enrolled", "start TOTP enrolment first")
		}
		if err != nil {
			return err
		}
		if !totp.Validate(strings.TrimSpace(code), secret) {
			return errs.Reasonf(errs.Invalid, "bad_code", "wrong authentication code").WithFields(errs.FieldError{Field: "code", Message: "wrong code"})
		}
		_, err = tx.Exec(ctx, "UPDATE sso_accounts SET totp_enabled_at = ? WHERE user_id = ?", tx.Now, userID)
		return err
	})
}

// fillUserinfo sets the standard claims of the granted scopes, and with scope "vn" the national
// portal's names too (vn-standards §3.2).
func (p *Provider) fillUserinfo(ctx context.Context, ui *oidc.UserInfo, subject string, scopes []string) error {
	var userID int64
	err := p.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT user_id FROM sso_accounts WHERE subject = ?", subject).Scan(&userID)
	})
	if err != nil {
		return err
	}
	a, err := p.auth.Applicant(ctx, userID)
	if err != nil {
		return err
	}
	ui.Subject = subject
	for _, s := range scopes {
		switch s {
		case oidc.ScopeProfile:
			ui.Name = a.Name()
		case oidc.ScopeEmail:
			ui.Email, ui.EmailVerified = a.Email, oidc.Bool(a.EmailVerifiedAt != nil)
		case oidc.ScopePhone:
			ui.PhoneNumber, ui.PhoneNumberVerified = a.Phone, a.PhoneVerifiedAt != nil
		case oidc.ScopeAddress:
			if a.Address != "" {
				ui.Address = &oidc.UserInfoAddress{Formatted: a.Address, Country: "VN"}
			}
		case ScopeVN:
			ui.AppendClaims("HoVaTen", a.FullName)
			ui.AppendClaims("SoDinhDanh", a.IdentificationNumber)
			if a.Kind == auth.Business {
				ui.AppendClaims("MaSoThue", a.TaxCode)
				ui.AppendClaims("MaSoDoanhNghiep", a.TaxCode)
				ui.AppendClaims("TenDoanhNghiep", a.BusinessName)
			}
			ui.AppendClaims("ThuDienTu", a.Email)
			ui.AppendClaims("SoDienThoai", a.Phone)
			ui.AppendClaims("DiaChi", a.Address)
		}
	}
	return nil
}

package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// ApplicantKind tells the two kinds of applicant (người nộp hồ sơ) with a portal account apart.
type ApplicantKind string

// The applicant kinds (LoaiDoiTuong 1 and 2 of the national portal's dossier records).
const (
	Citizen  ApplicantKind = "citizen"  // công dân
	Business ApplicantKind = "business" // doanh nghiệp, tổ chức
)

// IsApplicant reports whether the principal is a citizen or a business signed in to the portal,
// as opposed to an officer or a machine client.
func (p *Principal) IsApplicant() bool {
	return p != nil && p.Kind == KindUser && p.ApplicantKind != ""
}

// IsOfficer reports whether the principal is an officer (a user who is not an applicant).
func (p *Principal) IsOfficer() bool {
	return p != nil && p.Kind == KindUser && p.ApplicantKind == ""
}

// Applicant is the profile of a citizen or business account. The fields follow the identity
// claims of the national portal's single sign-on (vn-standards §3.2), so that a later OpenID
// Connect login fills them: sub → NationalSubject, SoDinhDanh → IdentificationNumber, HoVaTen →
// FullName, TenDoanhNghiep → BusinessName, MaSoThue/MaSoDoanhNghiep → TaxCode, ThuDienTu → Email,
// SoDienThoai → Phone, DiaChi → Address.
//
// The login is the identification number for a citizen and the tax code for a business: they are
// what the national portal asks for, they never change, and (unlike an e-mail address) nobody can
// register someone else's before them without knowing it. A person may hold a citizen account
// and represent several businesses, each with its own account.
type Applicant struct {
	UserID int64         `json:"user_id"`
	Login  string        `json:"login"`
	Kind   ApplicantKind `json:"kind"`
	// IdentificationNumber is the 12-digit số định danh cá nhân of the citizen or of the business's
	// legal representative.
	IdentificationNumber string `json:"identification_number"`
	// FullName is the citizen's name, or the legal representative's.
	FullName string `json:"full_name"`
	// DateOfBirth is a civil date YYYY-MM-DD, or empty.
	DateOfBirth  string `json:"date_of_birth,omitempty"`
	BusinessName string `json:"business_name,omitempty"`
	// TaxCode is the mã số thuế (for a business also its enterprise code).
	TaxCode         string     `json:"tax_code,omitempty"`
	Email           string     `json:"email,omitempty"`
	EmailVerifiedAt *time.Time `json:"email_verified_at,omitempty"`
	// Phone is a mobile number in the national form 0xxxxxxxxx.
	Phone           string     `json:"phone,omitempty"`
	PhoneVerifiedAt *time.Time `json:"phone_verified_at,omitempty"`
	Address         string     `json:"address,omitempty"`
	// NationalSubject is the national identity provider's stable subject (sub), set once single
	// sign-on links the account; empty until then.
	NationalSubject string    `json:"national_subject,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// Name is how the applicant appears on dossiers: the business's name or the citizen's.
func (a Applicant) Name() string {
	if a.Kind == Business {
		return a.BusinessName
	}
	return a.FullName
}

// NewApplicant is the input to RegisterApplicant. A business also gives its name and tax code, and
// the identification number and name of its legal representative. At least one of e-mail and
// phone is needed so the agency can reach the applicant.
type NewApplicant struct {
	Kind                 ApplicantKind `json:"kind"`
	IdentificationNumber string        `json:"identification_number"`
	FullName             string        `json:"full_name"`
	DateOfBirth          string        `json:"date_of_birth,omitempty"`
	BusinessName         string        `json:"business_name,omitempty"`
	TaxCode              string        `json:"tax_code,omitempty"`
	Email                string        `json:"email,omitempty"`
	Phone                string        `json:"phone,omitempty"`
	Address              string        `json:"address,omitempty"`
	Password             string        `json:"password"`
}

// ApplicantUpdate changes an applicant's contact details; absent fields stay as they are, and an
// empty e-mail or phone removes it (one of them must remain). A changed e-mail or phone is no
// longer verified.
type ApplicantUpdate struct {
	Email   *string `json:"email,omitempty"`
	Phone   *string `json:"phone,omitempty"`
	Address *string `json:"address,omitempty"`
}

// Length limits of the profile's free-text fields, in characters.
const (
	maxNameLength    = 200
	maxAddressLength = 500
)

// login returns the account's login: the identification number or the tax code.
func (na NewApplicant) login() string {
	if na.Kind == Business {
		return na.TaxCode
	}
	return na.IdentificationNumber
}

// check normalises the registration in place and lists what is wrong with it.
func (na *NewApplicant) check(now time.Time) []errs.FieldError {
	var bad []errs.FieldError
	fail := func(field, msg string) { bad = append(bad, errs.FieldError{Field: field, Message: msg}) }
	var err error
	switch na.Kind = ApplicantKind(strings.TrimSpace(string(na.Kind))); na.Kind {
	case Citizen:
		if na.BusinessName != "" || na.TaxCode != "" {
			fail("kind", "business_name and tax_code are for businesses: use kind \"business\"")
		}
	case Business:
		var ok bool
		if na.BusinessName, ok = cleanText(na.BusinessName, maxNameLength); na.BusinessName == "" {
			fail("business_name", "is required for a business")
		} else if !ok {
			fail("business_name", fmt.Sprintf("is longer than %d characters", maxNameLength))
		}
		if na.TaxCode, err = ParseTaxCode(na.TaxCode); err != nil {
			fail("tax_code", err.Error())
		}
	default:
		fail("kind", `must be "citizen" or "business"`)
	}
	if na.IdentificationNumber, err = ParseIdentificationNumber(na.IdentificationNumber); err != nil {
		fail("identification_number", err.Error())
	}
	var ok bool
	if na.FullName, ok = cleanText(na.FullName, maxNameLength); na.FullName == "" {
		fail("full_name", "is required")
	} else if !ok {
		fail("full_name", fmt.Sprintf("is longer than %d characters", maxNameLength))
	}
	if strings.TrimSpace(na.DateOfBirth) != "" {
		if na.DateOfBirth, err = ParseDateOfBirth(na.DateOfBirth, now); err != nil {
			fail("date_of_birth", err.Error())
		}
	} else {
		na.DateOfBirth = ""
	}
	if strings.TrimSpace(na.Email) == "" && strings.TrimSpace(na.Phone) == "" {
		fail("email", "give an e-mail address or a mobile phone number, so the agency can reach you")
	}
	if strings.TrimSpace(na.Email) != "" {
		if na.Email, err = ParseEmail(na.Email); err != nil {
			fail("email", err.Error())
		}
	} else {
		na.Email = ""
	}
	if strings.TrimSpace(na.Phone) != "" {
		if na.Phone, err = ParsePhone(na.Phone); err != nil {
			fail("phone", err.Error())
		}
	} else {
		na.Phone = ""
	}
	if na.Address, ok = cleanText(na.Address, maxAddressLength); !ok {
		fail("address", fmt.Sprintf("is longer than %d characters", maxAddressLength))
	}
	if len([]rune(na.Password)) < MinPasswordLength {
		fail("password", fmt.Sprintf("must have at least %d characters", MinPasswordLength))
	}
	return bad
}

// RegisterApplicant creates a citizen or business account: the users row (login = identification
// number for a citizen, tax code for a business; the password hashed like an officer's) and the
// applicant profile, in one audited transaction. Nothing is stored when the input is invalid
// (Invalid, with a FieldError per problem). Registering an identification number that already
// has a citizen account, or a tax code that already has a business account, is a Conflict, so
// repeating a registration never makes a second account. Applicants never receive grants.
func (s *Service) RegisterApplicant(ctx context.Context, na NewApplicant) (User, error) {
	if bad := na.check(s.db.Now()); len(bad) > 0 {
		return User{}, errs.Reasonf(errs.Invalid, "bad_applicant", "the registration cannot be accepted as it is").WithFields(bad...)
	}
	// A repeated registration is answered before the (deliberately slow) password hash; the unique
	// indexes below still decide between concurrent ones.
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, "SELECT id FROM users WHERE login = ?", na.login()).Scan(&id)
		if err == nil {
			return duplicateApplicant(na.Kind)
		}
		if db.IsNoRows(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("auth.RegisterApplicant(%s): %w", na.Kind, err)
	}
	hash, err := HashPassword(na.Password)
	if err != nil {
		return User{}, err
	}
	a := Applicant{Login: na.login(), Kind: na.Kind, IdentificationNumber: na.IdentificationNumber, FullName: na.FullName,
		DateOfBirth: na.DateOfBirth, BusinessName: na.BusinessName, TaxCode: na.TaxCode, Email: na.Email, Phone: na.Phone,
		Address: na.Address}
	u := User{Login: a.Login, FullName: a.Name(), Grants: []Grant{}}
	actor := "anonymous"
	if p := FromContext(ctx); p != nil {
		actor = p.Actor()
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		u.CreatedAt = tx.Now
		if err := tx.QueryRow(ctx, `INSERT INTO users (login, full_name, email, password_hash, created_at, password_at)
			VALUES (?, ?, '', ?, ?, ?) RETURNING id`, u.Login, u.FullName, hash, tx.Now, tx.Now).Scan(&u.ID); err != nil {
			if errs.Is(err, errs.Conflict) {
				return duplicateApplicant(a.Kind)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO applicants (user_id, kind, identification_number, full_name, date_of_birth,
			business_name, tax_code, email, phone, address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, a.Kind, a.IdentificationNumber, a.FullName, a.DateOfBirth, a.BusinessName, a.TaxCode, a.Email, a.Phone,
			a.Address, tx.Now, tx.Now); err != nil {
			if errs.Is(err, errs.Conflict) {
				return duplicateApplicant(a.Kind)
			}
			return err
		}
		return audit.Append(ctx, tx, actor, "applicant.register", "user:"+u.Login, map[string]any{"kind": a.Kind})
	})
	if err != nil {
		return User{}, fmt.Errorf("auth.RegisterApplicant(%s): %w", a.Kind, err)
	}
	return u, nil
}

func duplicateApplicant(kind ApplicantKind) error {
	if kind == Business {
		return errs.Reasonf(errs.Conflict, "duplicate_applicant", "this tax code already has an account: log in instead").
			WithFields(errs.FieldError{Field: "tax_code", Message: "already has an account"})
	}
	return errs.Reasonf(errs.Conflict, "duplicate_applicant", "this identification number already has an account: log in instead").
		WithFields(errs.FieldError{Field: "identification_number", Message: "already has an account"})
}

// Applicant returns the profile of the applicant with the user id, or NotFound (also for an
// officer's id).
func (s *Service) Applicant(ctx context.Context, userID int64) (Applicant, error) {
	var a Applicant
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		a, err = loadApplicant(ctx, tx, userID, "")
		return err
	})
	return a, err
}

func loadApplicant(ctx context.Context, tx *db.Tx, userID int64, lock string) (Applicant, error) {
	var a Applicant
	var subject *string
	err := tx.QueryRow(ctx, `SELECT u.id, u.login, a.kind, a.identification_number, a.full_name, a.date_of_birth, a.business_name,
		a.tax_code, a.email, a.email_verified_at, a.phone, a.phone_verified_at, a.address, a.national_subject, a.created_at
		FROM applicants a JOIN users u ON u.id = a.user_id WHERE a.user_id = ?`+lock, userID).
		Scan(&a.UserID, &a.Login, &a.Kind, &a.IdentificationNumber, &a.FullName, &a.DateOfBirth, &a.BusinessName, &a.TaxCode,
			&a.Email, &a.EmailVerifiedAt, &a.Phone, &a.PhoneVerifiedAt, &a.Address, &subject, &a.CreatedAt)
	if db.IsNoRows(err) {
		return a, errs.Reasonf(errs.NotFound, "not_applicant", "this account is not a citizen or business account")
	}
	if subject != nil {
		a.NationalSubject = *subject
	}
	return a, err
}

// actorOf names who acts on an applicant's account in the audit log: the request's principal,
// or else the applicant.
func actorOf(ctx context.Context, login string) string {
	if p := FromContext(ctx); p != nil {
		return p.Actor()
	}
	return "user:" + login
}

// UpdateApplicant changes an applicant's contact details (e-mail, phone, address); the identity
// fields change only through a new registration or, later, single sign-on. A changed e-mail or
// phone loses its verification and any code outstanding for it.
func (s *Service) UpdateApplicant(ctx context.Context, userID int64, up ApplicantUpdate) (Applicant, error) {
	var bad []errs.FieldError
	fail := func(field, msg string) { bad = append(bad, errs.FieldError{Field: field, Message: msg}) }
	if up.Email != nil {
		v := strings.TrimSpace(*up.Email)
		if v != "" {
			var err error
			if v, err = ParseEmail(v); err != nil {
				fail("email", err.Error())
			}
		}
		up.Email = &v
	}
	if up.Phone != nil {
		v := strings.TrimSpace(*up.Phone)
		if v != "" {
			var err error
			if v, err = ParsePhone(v); err != nil {
				fail("phone", err.Error())
			}
		}
		up.Phone = &v
	}
	if up.Address != nil {
		v, ok := cleanText(*up.Address, maxAddressLength)
		if !ok {
			fail("address", fmt.Sprintf("is longer than %d characters", maxAddressLength))
		}
		up.Address = &v
	}
	if len(bad) > 0 {
		return Applicant{}, errs.Reasonf(errs.Invalid, "bad_applicant", "the contact details cannot be accepted as they are").WithFields(bad...)
	}
	var a Applicant
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		old, err := loadApplicant(ctx, tx, userID, tx.ForUpdate())
		if err != nil {
			return err
		}
		a = old
		var changed []string
		if up.Email != nil && *up.Email != old.Email {
			a.Email, a.EmailVerifiedAt = *up.Email, nil
			changed = append(changed, "email")
		}
		if up.Phone != nil && *up.Phone != old.Phone {
			a.Phone, a.PhoneVerifiedAt = *up.Phone, nil
			changed = append(changed, "phone")
		}
		if up.Address != nil && *up.Address != old.Address {
			a.Address = *up.Address
			changed = append(changed, "address")
		}
		if a.Email == "" && a.Phone == "" {
			return errs.Reasonf(errs.Invalid, "bad_applicant", "keep an e-mail address or a mobile phone number").
				WithFields(errs.FieldError{Field: "email", Message: "give an e-mail address or a mobile phone number, so the agency can reach you"})
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE applicants SET email = ?, email_verified_at = ?, phone = ?, phone_verified_at = ?, address = ?,
			updated_at = ? WHERE user_id = ?`, a.Email, a.EmailVerifiedAt, a.Phone, a.PhoneVerifiedAt, a.Address, tx.Now, userID); err != nil {
			return err
		}
		// A code sent to the old address must not verify the new one.
		for _, ch := range changed {
			if ch == "email" || ch == "phone" {
				if _, err := tx.Exec(ctx, "DELETE FROM applicant_codes WHERE user_id = ? AND channel = ?", userID, ch); err != nil {
					return err
				}
			}
		}
		// The detail names the fields, not their values: the audit log is kept forever.
		return audit.Append(ctx, tx, actorOf(ctx, a.Login), "applicant.update", "user:"+a.Login, map[string]any{"changed": changed})
	})
	if err != nil {
		return Applicant{}, fmt.Errorf("auth.UpdateApplicant(%d): %w", userID, err)
	}
	return a, nil
}

// Channel is where a verification code goes: the applicant's e-mail address or mobile phone.
type Channel string

// The verification channels.
const (
	EmailChannel Channel = "email"
	PhoneChannel Channel = "phone"
)

// Verification codes: six digits, valid for CodeTTL, at most CodeAttempts wrong guesses, and a
// new code no sooner than CodeResendAfter after the last one.
const (
	CodeTTL         = 15 * time.Minute
	CodeAttempts    = 5
	CodeResendAfter = time.Minute
)

// CodeMessage is a verification code on its way to an applicant.
type CodeMessage struct {
	Channel   Channel
	To        string // the e-mail address, or the phone number as 0xxxxxxxxx
	Login     string
	Code      string
	ExpiresAt time.Time
}

// Notifier delivers verification codes by e-mail or SMS. A deployment plugs in its mail server or
// SMS gateway through Options.Notifier.
type Notifier interface {
	SendCode(ctx context.Context, m CodeMessage) error
}

// LogNotifier is the default Notifier: no e-mail or SMS can be sent from here, so it writes the
// code to the log (level INFO), where an operator or a tester reads it. It must be replaced before
// real citizens use the portal, since anyone who reads the log can verify any address.
type LogNotifier struct {
	Logger *slog.Logger // nil means slog.Default()
}

// SendCode logs the code.
func (n LogNotifier) SendCode(ctx context.Context, m CodeMessage) error {
	l := n.Logger
	if l == nil {
		l = slog.Default()
	}
	l.InfoContext(ctx, "verification code (no e-mail or SMS gateway is configured: the code is only logged)",
		"channel", string(m.Channel), "to", m.To, "login", m.Login, "code", m.Code, "expires_at", m.ExpiresAt)
	return nil
}

func (s *Service) notifier() Notifier {
	if s.opt.Notifier != nil {
		return s.opt.Notifier
	}
	return LogNotifier{}
}

// CodesLogged reports whether verification codes only go to the log (no Notifier is configured),
// so that pages can tell a tester where to find them.
func (s *Service) CodesLogged() bool {
	_, ok := s.notifier().(LogNotifier)
	return ok
}

// CodeSent tells where a verification code went and until when it is valid.
type CodeSent struct {
	Channel   Channel   `json:"channel"`
	To        string    `json:"to"`
	ExpiresAt time.Time `json:"expires_at"`
}

// contact returns the applicant's address on a channel and whether it is verified.
func (a Applicant) contact(ch Channel) (string, bool) {
	if ch == PhoneChannel {
		return a.Phone, a.PhoneVerifiedAt != nil
	}
	return a.Email, a.EmailVerifiedAt != nil
}

func checkChannel(ch Channel) error {
	if ch != EmailChannel && ch != PhoneChannel {
		return errs.Reasonf(errs.Invalid, "bad_channel", "channel %q: want email or phone", ch).
			WithFields(errs.FieldError{Field: "channel", Message: `must be "email" or "phone"`})
	}
	return nil
}

// codeHash binds a code to the account, the channel and the address it was sent to, keyed with
// the node's secret. Six digits are easily guessed from a bare hash; the key keeps a copy of the
// table from being enough, and the short lifetime and the attempt limit guard the live system.
func (s *Service) codeHash(userID int64, ch Channel, to, code string) string {
	m := hmac.New(sha256.New, s.tokenKey)
	fmt.Fprintf(m, "applicant-code\x00%d\x00%s\x00%s\x00%s", userID, ch, to, code)
	return hex.EncodeToString(m.Sum(nil))
}

// IssueVerificationCode makes a new six-digit code for the applicant's current e-mail address or
// phone, replacing any earlier one, stores only its hash and hands the code to the Notifier after
// the commit. It refuses an empty or already verified contact (Invalid, Conflict) and a second
// code within CodeResendAfter (Conflict).
func (s *Service) IssueVerificationCode(ctx context.Context, userID int64, ch Channel) (CodeSent, error) {
	if err := checkChannel(ch); err != nil {
		return CodeSent{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return CodeSent{}, fmt.Errorf("auth.IssueVerificationCode: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	var sent CodeSent
	var login string
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := loadApplicant(ctx, tx, userID, tx.ForUpdate())
		if err != nil {
			return err
		}
		login = a.Login
		to, verified := a.contact(ch)
		if to == "" {
			return errs.Reasonf(errs.Invalid, "no_contact", "the account has no %s to verify", ch).
				WithFields(errs.FieldError{Field: string(ch), Message: "is not set"})
		}
		if verified {
			return errs.Reasonf(errs.Conflict, "already_verified", "%s is already verified", to)
		}
		var last time.Time
		err = tx.QueryRow(ctx, "SELECT created_at FROM applicant_codes WHERE user_id = ? AND channel = ?", userID, ch).Scan(&last)
		if err != nil && !db.IsNoRows(err) {
			return err
		}
		if err == nil && tx.Now.Sub(last) < CodeResendAfter {
			return errs.Reasonf(errs.Conflict, "code_recently_sent", "a code was sent less than a minute ago: wait for it, or ask again in a minute")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM applicant_codes WHERE user_id = ? AND channel = ?", userID, ch); err != nil {
			return err
		}
		sent = CodeSent{Channel: ch, To: to, ExpiresAt: tx.Now.Add(CodeTTL)}
		if _, err := tx.Exec(ctx, `INSERT INTO applicant_codes (user_id, channel, target, code_hash, attempts, created_at, expires_at)
			VALUES (?, ?, ?, ?, 0, ?, ?)`, userID, ch, to, s.codeHash(userID, ch, to, code), tx.Now, sent.ExpiresAt); err != nil {
			return err
		}
		return audit.Append(ctx, tx, actorOf(ctx, a.Login), "applicant.code", "user:"+a.Login, map[string]any{"channel": ch})
	})
	if err != nil {
		return CodeSent{}, fmt.Errorf("auth.IssueVerificationCode(%d, %s): %w", userID, ch, err)
	}
	if err := s.notifier().SendCode(ctx, CodeMessage{Channel: ch, To: sent.To, Login: login, Code: code, ExpiresAt: sent.ExpiresAt}); err != nil {
		return CodeSent{}, errs.Wrap(errs.Unavailable, err, "the code could not be sent: try again in a minute")
	}
	return sent, nil
}

// ConfirmVerificationCode checks a code against the one outstanding for the channel and, when it
// matches, marks the e-mail address or phone verified. A wrong code counts as an attempt; after
// CodeAttempts attempts, after CodeTTL, or once the address has changed, the code is void.
func (s *Service) ConfirmVerificationCode(ctx context.Context, userID int64, ch Channel, code string) (Applicant, error) {
	if err := checkChannel(ch); err != nil {
		return Applicant{}, err
	}
	code = strings.TrimSpace(code)
	var a Applicant
	// refusal is returned after the commit, so that a wrong guess is counted.
	var refusal error
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = loadApplicant(ctx, tx, userID, tx.ForUpdate()); err != nil {
			return err
		}
		var target, hash string
		var attempts int
		var expires time.Time
		err = tx.QueryRow(ctx, "SELECT target, code_hash, attempts, expires_at FROM applicant_codes WHERE user_id = ? AND channel = ?",
			userID, ch).Scan(&target, &hash, &attempts, &expires)
		if db.IsNoRows(err) {
			refusal = errs.Reasonf(errs.Invalid, "no_code", "there is no code waiting for your %s: ask for a new one", ch)
			return nil
		}
		if err != nil {
			return err
		}
		void := func(e error) error {
			refusal = e
			_, err := tx.Exec(ctx, "DELETE FROM applicant_codes WHERE user_id = ? AND channel = ?", userID, ch)
			return err
		}
		to, _ := a.contact(ch)
		switch {
		case target != to:
			return void(errs.Reasonf(errs.Invalid, "no_code", "the code was sent to an earlier %s: ask for a new one", ch))
		case !tx.Now.Before(expires):
			return void(errs.Reasonf(errs.Invalid, "expired_code", "the code has expired: ask for a new one"))
		case !hmac.Equal([]byte(hash), []byte(s.codeHash(userID, ch, to, code))):
			attempts++
			if attempts >= CodeAttempts {
				return void(errs.Reasonf(errs.Invalid, "too_many_attempts", "too many wrong codes: ask for a new one"))
			}
			refusal = errs.Reasonf(errs.Invalid, "bad_code", "the code is wrong: %d attempts left", CodeAttempts-attempts).
				WithFields(errs.FieldError{Field: "code", Message: "does not match the code sent"})
			_, err := tx.Exec(ctx, "UPDATE applicant_codes SET attempts = ? WHERE user_id = ? AND channel = ?", attempts, userID, ch)
			return err
		}
		// The column name comes from the two-value Channel checked above, never from input text.
		column := "email_verified_at"
		if ch == PhoneChannel {
			column = "phone_verified_at"
		}
		if _, err := tx.Exec(ctx, "UPDATE applicants SET "+column+" = ?, updated_at = ? WHERE user_id = ?", tx.Now, tx.Now, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM applicant_codes WHERE user_id = ? AND channel = ?", userID, ch); err != nil {
			return err
		}
		now := tx.Now
		if ch == PhoneChannel {
			a.PhoneVerifiedAt = &now
		} else {
			a.EmailVerifiedAt = &now
		}
		return audit.Append(ctx, tx, actorOf(ctx, a.Login), "applicant.verify", "user:"+a.Login, map[string]any{"channel": ch})
	})
	if err == nil {
		err = refusal
	}
	if err != nil {
		return Applicant{}, fmt.Errorf("auth.ConfirmVerificationCode(%d, %s): %w", userID, ch, err)
	}
	return a, nil
}

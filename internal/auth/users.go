package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// Options tune the service; they come from the configuration.
type Options struct {
	TokenTTL         time.Duration
	SessionTTL       time.Duration
	LockoutThreshold int
	LockoutDuration  time.Duration
	// AgencyExists checks grant and client agencies against the registry.
	AgencyExists func(ctx context.Context, code string) bool
	// Notifier delivers applicants' verification codes; nil logs them (see LogNotifier).
	Notifier Notifier
}

// Service manages accounts, sessions, clients and tokens.
type Service struct {
	db       *db.DB
	opt      Options
	tokenKey []byte
}

// System is the principal of local administration commands (the CLI on the server's own machine).
var System = &Principal{Kind: KindUser, ID: "system", Name: "system", Grants: []Grant{{Admin, Everywhere}}}

// NewService loads (or, on first start, creates) the key that signs bearer tokens. The key lives in
// the database so every node of a cluster accepts every node's tokens.
func NewService(ctx context.Context, d *db.DB, opt Options) (*Service, error) {
	s := &Service{db: d, opt: opt}
	var key string
	err := d.Tx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'token_key'").Scan(&key)
		if db.IsNoRows(err) {
			key = randomToken(32)
			_, err = tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('token_key', ?)", key)
		}
		return err
	})
	if err != nil && errs.Is(err, errs.Conflict) {
		// Another node created it first.
		err = d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'token_key'").Scan(&key)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("auth.NewService: %w", err)
	}
	s.tokenKey = []byte(key)
	return s, nil
}

// User is an officer account.
type User struct {
	ID          int64      `json:"id"`
	Login       string     `json:"login"`
	FullName    string     `json:"full_name"`
	Email       string     `json:"email,omitempty"`
	Grants      []Grant    `json:"grants"`
	Disabled    bool       `json:"disabled"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Login    string  `json:"login"`
	FullName string  `json:"full_name"`
	Email    string  `json:"email,omitempty"`
	Password string  `json:"password"`
	Grants   []Grant `json:"grants"`
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

func (s *Service) checkGrants(ctx context.Context, by *Principal, grants []Grant) error {
	if len(grants) == 0 {
		return errs.Reasonf(errs.Invalid, "no_grant", "an account needs at least one role")
	}
	for _, g := range grants {
		if !ValidRole(g.Role) {
			return errs.Reasonf(errs.Invalid, "bad_role", "unknown role %q: want admin, clerk, officer, leader or viewer", g.Role)
		}
		if g.Agency != Everywhere && s.opt.AgencyExists != nil && !s.opt.AgencyExists(ctx, g.Agency) {
			return errs.Reasonf(errs.Invalid, "unknown_agency", "agency %q is not in the registry", g.Agency)
		}
		if !by.Can(Admin, g.Agency) || (g.Agency == Everywhere && !by.Can(Admin, Everywhere)) {
			return errs.Reasonf(errs.Forbidden, "missing_role", "%s cannot grant %s over %s", by.Actor(), g.Role, g.Agency)
		}
	}
	return nil
}

// CreateUser creates an officer account. by must be an administrator over every granted agency.
func (s *Service) CreateUser(ctx context.Context, by *Principal, nu NewUser) (User, error) {
	nu.Login = strings.TrimSpace(strings.ToLower(nu.Login))
	nu.FullName = strings.TrimSpace(nu.FullName)
	if !loginPattern.MatchString(nu.Login) {
		return User{}, errs.Reasonf(errs.Invalid, "bad_login", "login %q: use 3–64 lower-case letters, digits, dots, dashes or underscores", nu.Login)
	}
	if nu.FullName == "" {
		return User{}, errs.Reasonf(errs.Invalid, "missing_field", "full_name is required")
	}
	if len([]rune(nu.Password)) < MinPasswordLength {
		return User{}, errs.Reasonf(errs.Invalid, "weak_password", "the password must have at least %d characters", MinPasswordLength)
	}
	if err := s.checkGrants(ctx, by, nu.Grants); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Login: nu.Login, FullName: nu.FullName, Email: nu.Email, Grants: nu.Grants}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		u.CreatedAt = tx.Now
		if err := tx.QueryRow(ctx, `INSERT INTO users (login, full_name, email, password_hash, created_at, password_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, u.Login, u.FullName, u.Email, hash, tx.Now, tx.Now).Scan(&u.ID); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Reasonf(errs.Conflict, "duplicate_login", "login %q is taken", u.Login)
			}
			return err
		}
		for _, g := range u.Grants {
			if _, err := tx.Exec(ctx, "INSERT INTO user_roles (user_id, role, agency_code) VALUES (?, ?, ?)", u.ID, g.Role, g.Agency); err != nil {
				if errs.Is(err, errs.Conflict) {
					return errs.Reasonf(errs.Invalid, "duplicate_grant", "grant %s@%s given twice", g.Role, g.Agency)
				}
				return err
			}
		}
		return audit.Append(ctx, tx, by.Actor(), "user.create", "user:"+u.Login, map[string]any{"grants": u.Grants})
	})
	if err != nil {
		return User{}, fmt.Errorf("auth.CreateUser(%s): %w", nu.Login, err)
	}
	return u, nil
}

// SetPassword replaces a user's password and ends their sessions.
func (s *Service) SetPassword(ctx context.Context, by *Principal, login, password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return errs.Reasonf(errs.Invalid, "weak_password", "the password must have at least %d characters", MinPasswordLength)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		u, err := loadUser(ctx, tx, login)
		if err != nil {
			return err
		}
		if by.ID != u.Login {
			// An applicant has no grants to be scoped by: only a global administrator may reset it.
			if len(u.Grants) == 0 && !by.Can(Admin, Everywhere) {
				return errs.Reasonf(errs.Forbidden, "missing_role", "%s cannot change the password of %s", by.Actor(), login)
			}
			for _, g := range u.Grants {
				if !by.Can(Admin, g.Agency) {
					return errs.Reasonf(errs.Forbidden, "missing_role", "%s cannot change the password of %s", by.Actor(), login)
				}
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, password_at = ?, failed_logins = 0, locked_until = NULL WHERE id = ?", hash, tx.Now, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, by.Actor(), "user.password", "user:"+login, nil)
	})
}

// Users lists the officer accounts. Applicants (citizens and businesses) are not listed: there
// may be millions of them, and they have no grants for an administrator to manage.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	var out []User
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, login, full_name, email, disabled, locked_until, created_at FROM users
			WHERE NOT EXISTS (SELECT 1 FROM applicants a WHERE a.user_id = users.id) ORDER BY login`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u User
			if err := rows.Scan(&u.ID, &u.Login, &u.FullName, &u.Email, &u.Disabled, &u.LockedUntil, &u.CreatedAt); err != nil {
				return err
			}
			out = append(out, u)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].Grants, err = loadGrants(ctx, tx, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// User returns one account with its grants, or NotFound.
func (s *Service) User(ctx context.Context, login string) (User, error) {
	var u User
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		u, err = loadUser(ctx, tx, login)
		return err
	})
	return u, err
}

func loadUser(ctx context.Context, tx *db.Tx, login string) (User, error) {
	var u User
	err := tx.QueryRow(ctx, "SELECT id, login, full_name, email, disabled, locked_until, created_at FROM users WHERE login = ?", login).
		Scan(&u.ID, &u.Login, &u.FullName, &u.Email, &u.Disabled, &u.LockedUntil, &u.CreatedAt)
	if db.IsNoRows(err) {
		return u, errs.Reasonf(errs.NotFound, "unknown_user", "no account %q", login)
	}
	if err != nil {
		return u, err
	}
	u.Grants, err = loadGrants(ctx, tx, u.ID)
	return u, err
}

func loadGrants(ctx context.Context, tx *db.Tx, userID int64) ([]Grant, error) {
	rows, err := tx.Query(ctx, "SELECT role, agency_code FROM user_roles WHERE user_id = ? ORDER BY role, agency_code", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var gs []Grant
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.Role, &g.Agency); err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	return gs, rows.Err()
}

// ErrBadCredentials is the one answer to a wrong login or password, so the form does not reveal
// which accounts exist.
var ErrBadCredentials = errs.Reasonf(errs.Unauthorized, "bad_credentials", "wrong login or password")

// Login checks a password and opens a session, returning its token for the cookie. Repeated
// failures lock the account for a while, and a locked account refuses even the right password.
func (s *Service) Login(ctx context.Context, login, password string) (string, *Principal, error) {
	login = strings.TrimSpace(strings.ToLower(login))
	var (
		id          int64
		hash        string
		failed      int
		lockedUntil *time.Time
		disabled    bool
	)
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT id, password_hash, failed_logins, locked_until, disabled FROM users WHERE login = ?", login).
			Scan(&id, &hash, &failed, &lockedUntil, &disabled)
	})
	if db.IsNoRows(err) {
		// Spend the same time as a real check so timing does not reveal unknown logins.
		CheckPassword(dummyHash, password)
		s.recordFailure(ctx, login, 0)
		return "", nil, ErrBadCredentials
	}
	if err != nil {
		return "", nil, err
	}
	now := s.db.Now()
	if lockedUntil != nil && now.Before(*lockedUntil) {
		s.recordFailure(ctx, login, 0)
		return "", nil, errs.Reasonf(errs.Unauthorized, "locked", "too many failed attempts: the account is locked until %s",
			lockedUntil.In(vn.ICT).Format("15:04 02/01/2006"))
	}
	if disabled {
		return "", nil, errs.Reasonf(errs.Unauthorized, "disabled", "this account is disabled")
	}
	if !CheckPassword(hash, password) {
		s.recordFailure(ctx, login, id)
		return "", nil, ErrBadCredentials
	}
	token := randomToken(32)
	csrf := randomToken(24)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			hashToken(token), id, csrf, tx.Now, tx.Now.Add(s.opt.SessionTTL)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, "user:"+login, "login", "user:"+login, nil)
	})
	if err != nil {
		return "", nil, err
	}
	p, err := s.SessionPrincipal(ctx, token)
	return token, p, err
}

// OpenSession starts a session for a user who signed in elsewhere (single sign-on at the national
// provider) and returns its cookie token; the caller has established who the user is.
func (s *Service) OpenSession(ctx context.Context, userID int64) (string, error) {
	token, csrf := randomToken(32), randomToken(24)
	return token, s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			hashToken(token), userID, csrf, tx.Now, tx.Now.Add(s.opt.SessionTTL))
		return err
	})
}

var dummyHash, _ = HashPassword("not a real password")

// recordFailure counts a failed login and locks the account at the threshold; the audit log gets
// every failure, including those for unknown logins.
func (s *Service) recordFailure(ctx context.Context, login string, id int64) {
	_ = s.db.Tx(ctx, func(tx *db.Tx) error {
		if id != 0 {
			var failed int
			if err := tx.QueryRow(ctx, "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins", id).Scan(&failed); err != nil {
				return err
			}
			if failed >= s.opt.LockoutThreshold {
				if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?", tx.Now.Add(s.opt.LockoutDuration), id); err != nil {
					return err
				}
				if err := audit.Append(ctx, tx, "user:"+login, "login.locked", "user:"+login, map[string]int{"failures": failed}); err != nil {
					return err
				}
			}
		}
		return audit.Append(ctx, tx, "anonymous", "login.failed", "user:"+login, nil)
	})
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var login string
		err := tx.QueryRow(ctx, "SELECT u.login FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", hashToken(token)).Scan(&login)
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", hashToken(token)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, "user:"+login, "logout", "user:"+login, nil)
	})
}

// SessionPrincipal returns the officer or applicant behind a session token, or Unauthorized.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*Principal, error) {
	var p *Principal
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var expires time.Time
		var disabled bool
		p = &Principal{Kind: KindUser}
		err := tx.QueryRow(ctx, `SELECT u.id, u.login, u.full_name, u.disabled, s.csrf, s.expires_at, COALESCE(a.kind, '')
			FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN applicants a ON a.user_id = u.id
			WHERE s.token_hash = ?`, hashToken(token)).
			Scan(&p.UserID, &p.ID, &p.Name, &disabled, &p.CSRF, &expires, &p.ApplicantKind)
		if db.IsNoRows(err) {
			return errs.Reasonf(errs.Unauthorized, "no_session", "your session has ended: please log in again")
		}
		if err != nil {
			return err
		}
		if disabled || s.db.Now().After(expires) {
			return errs.Reasonf(errs.Unauthorized, "no_session", "your session has ended: please log in again")
		}
		if p.ApplicantKind != "" {
			// Applicants never act for an agency, whatever rows user_roles may hold.
			return nil
		}
		p.Grants, err = loadGrants(ctx, tx, p.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

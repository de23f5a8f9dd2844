package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

// mailbox is the Notifier of the tests: it stands for the e-mail server and the SMS gateway, which
// are outside the system, and keeps what they would have delivered.
type mailbox struct {
	mu   sync.Mutex
	sent []auth.CodeMessage
}

func (m *mailbox) SendCode(ctx context.Context, c auth.CodeMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, c)
	return nil
}

func (m *mailbox) last(t *testing.T) auth.CodeMessage {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		t.Fatal("no code was sent")
	}
	return m.sent[len(m.sent)-1]
}

func newApplicantService(t *testing.T, d *db.DB, mb *mailbox) *auth.Service {
	t.Helper()
	opt := auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 3, LockoutDuration: time.Minute}
	if mb != nil {
		opt.Notifier = mb
	}
	s, err := auth.NewService(context.Background(), d, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// citizenAn is a citizen of Lâm Đồng (province-of-birth code 068).
func citizenAn() auth.NewApplicant {
	return auth.NewApplicant{Kind: auth.Citizen, IdentificationNumber: "068 085 012 345", FullName: "  Nguyễn   Văn An ",
		DateOfBirth: "1985-04-12", Email: "An.NV@Example.vn", Phone: "+84 912 345 678",
		Address: "12 Trần Phú, phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng", Password: "mật khẩu của An"}
}

// businessDalat is a business of Lâm Đồng represented by Trần Thị Bình.
func businessDalat() auth.NewApplicant {
	return auth.NewApplicant{Kind: auth.Business, IdentificationNumber: "068190004321", FullName: "Trần Thị Bình",
		BusinessName: "Công ty TNHH Cà phê Đà Lạt", TaxCode: "5800123456", Email: "lienhe@caphedalat.vn",
		Address: "5 Nguyễn Văn Cừ, Đà Lạt", Password: "mật khẩu doanh nghiệp"}
}

func TestApplicantRegisterAndLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newApplicantService(t, d, nil)

		u, err := s.RegisterApplicant(ctx, citizenAn())
		if err != nil {
			t.Fatal(err)
		}
		if u.Login != "068085012345" || u.FullName != "Nguyễn Văn An" || len(u.Grants) != 0 {
			t.Errorf("citizen user = %+v", u)
		}
		a, err := s.Applicant(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := auth.Applicant{UserID: u.ID, Login: "068085012345", Kind: auth.Citizen, IdentificationNumber: "068085012345",
			FullName: "Nguyễn Văn An", DateOfBirth: "1985-04-12", Email: "an.nv@example.vn", Phone: "0912345678",
			Address: "12 Trần Phú, phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng"}
		a.CreatedAt = time.Time{}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("stored citizen (-want +got):\n%s", diff)
		}

		tok, p, err := s.Login(ctx, "068085012345", "mật khẩu của An")
		if err != nil {
			t.Fatal(err)
		}
		if !p.IsApplicant() || p.IsOfficer() || p.ApplicantKind != auth.Citizen || p.Name != "Nguyễn Văn An" || len(p.Grants) != 0 || p.CSRF == "" {
			t.Errorf("login principal = %+v", p)
		}
		sp, err := s.SessionPrincipal(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Kind != auth.KindUser || sp.ApplicantKind != auth.Citizen || sp.UserID != u.ID || sp.Can(auth.Viewer, "") {
			t.Errorf("session principal = %+v", sp)
		}
		if sp.Actor() != "user:068085012345" {
			t.Errorf("actor = %q", sp.Actor())
		}

		// A business logs in with its tax code and is named after the business.
		bu, err := s.RegisterApplicant(ctx, businessDalat())
		if err != nil {
			t.Fatal(err)
		}
		_, bp, err := s.Login(ctx, "5800123456", "mật khẩu doanh nghiệp")
		if err != nil {
			t.Fatal(err)
		}
		if bp.ApplicantKind != auth.Business || bp.UserID != bu.ID || bp.Name != "Công ty TNHH Cà phê Đà Lạt" {
			t.Errorf("business principal = %+v", bp)
		}
		// The representative may also hold a citizen account of their own.
		rep := citizenAn()
		rep.IdentificationNumber, rep.FullName = "068190004321", "Trần Thị Bình"
		if _, err := s.RegisterApplicant(ctx, rep); err != nil {
			t.Errorf("a business's representative registering as a citizen: %v", err)
		}

		// Officers are unaffected: grants as before, no applicant kind, and only they are listed.
		if _, err := s.CreateUser(ctx, auth.System, auth.NewUser{Login: "motcua.ld", FullName: "Trần Thị Mai", Password: "mật khẩu cán bộ",
			Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}); err != nil {
			t.Fatal(err)
		}
		otok, op, err := s.Login(ctx, "motcua.ld", "mật khẩu cán bộ")
		if err != nil {
			t.Fatal(err)
		}
		osp, err := s.SessionPrincipal(ctx, otok)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []*auth.Principal{op, osp} {
			if p.IsApplicant() || !p.IsOfficer() || p.ApplicantKind != "" || !p.Can(auth.Officer, "000.00.02.H36") {
				t.Errorf("officer principal = %+v", p)
			}
		}
		if _, err := s.Applicant(ctx, op.UserID); !errs.Is(err, errs.NotFound) {
			t.Errorf("Applicant(officer) = %v, want not_found", err)
		}
		us, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 1 || us[0].Login != "motcua.ld" {
			t.Errorf("Users() = %+v, want the officer only", us)
		}
		// Only a global administrator may reset an applicant's password: it has no agency scope.
		provAdmin := &auth.Principal{Kind: auth.KindUser, ID: "ad.h36", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H36"}}}
		if err := s.SetPassword(ctx, provAdmin, "068085012345", "mật khẩu mới của An"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("provincial admin resetting a citizen's password: %v, want forbidden", err)
		}
		if err := s.SetPassword(ctx, sp, "068085012345", "mật khẩu mới của An"); err != nil {
			t.Errorf("the citizen changing their own password: %v", err)
		}
	})
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApplicantRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newApplicantService(t, d, nil)
		if _, err := s.RegisterApplicant(ctx, citizenAn()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RegisterApplicant(ctx, businessDalat()); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			in     auth.NewApplicant
			code   errs.Code
			fields []string
		}{
			{"short password", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.Password = "ngắn" }), errs.Invalid, []string{"password"}},
			{"11 digits", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "06808501234" }), errs.Invalid, []string{"identification_number"}},
			{"letters", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "06808501234X" }), errs.Invalid, []string{"identification_number"}},
			{"old 9-digit CMND", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "250123456" }), errs.Invalid, []string{"identification_number"}},
			{"no identification number", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "" }), errs.Invalid, []string{"identification_number"}},
			{"bad e-mail", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.Email = "an@localhost" }), errs.Invalid, []string{"email"}},
			{"e-mail with a name", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.Email = "An <an@example.vn>" }), errs.Invalid, []string{"email"}},
			{"landline", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.Phone = "02633822222" }), errs.Invalid, []string{"phone"}},
			{"short phone", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.Phone = "091234567" }), errs.Invalid, []string{"phone"}},
			{"no contact", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.Email, a.Phone = "", " " }), errs.Invalid, []string{"email"}},
			{"no name", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.FullName = "  " }), errs.Invalid, []string{"full_name"}},
			{"future birth", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.DateOfBirth = "2999-01-01" }), errs.Invalid, []string{"date_of_birth"}},
			{"birth as DD/MM/YYYY", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.DateOfBirth = "12/04/1985" }), errs.Invalid, []string{"date_of_birth"}},
			{"unknown kind", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.Kind = "robot" }), errs.Invalid, []string{"kind"}},
			{"citizen with a tax code", with(citizenAn(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068085099999"; a.TaxCode = "5800123457" }), errs.Invalid, []string{"kind"}},
			{"several problems", with(citizenAn(), func(a *auth.NewApplicant) {
				a.IdentificationNumber = "1"
				a.Email = "x"
				a.Phone = "1"
				a.Password = ""
			}), errs.Invalid,
				[]string{"identification_number", "email", "phone", "password"}},
			{"bad tax code", with(businessDalat(), func(a *auth.NewApplicant) { a.TaxCode = "58001234" }), errs.Invalid, []string{"tax_code"}},
			{"bad branch tax code", with(businessDalat(), func(a *auth.NewApplicant) { a.TaxCode = "5800123456-01" }), errs.Invalid, []string{"tax_code"}},
			{"business without a name", with(businessDalat(), func(a *auth.NewApplicant) { a.TaxCode = "5800123457"; a.BusinessName = "" }), errs.Invalid, []string{"business_name"}},
			{"duplicate citizen", citizenAn(), errs.Conflict, []string{"identification_number"}},
			{"duplicate citizen, typed differently", with(citizenAn(), func(a *auth.NewApplicant) {
				a.IdentificationNumber, a.Email, a.Phone, a.Password = "068.085.012.345", "other@example.vn", "", "another password"
			}), errs.Conflict, []string{"identification_number"}},
			{"duplicate business", with(businessDalat(), func(a *auth.NewApplicant) { a.IdentificationNumber = "068190009999" }), errs.Conflict, []string{"tax_code"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				users, applicants, log := count(t, d, "users"), count(t, d, "applicants"), count(t, d, "audit_log")
				_, err := s.RegisterApplicant(ctx, tc.in)
				if !errs.Is(err, tc.code) {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				var got []string
				for _, f := range errs.As(err).Fields {
					got = append(got, f.Field)
				}
				if diff := cmp.Diff(tc.fields, got); diff != "" {
					t.Errorf("fields (-want +got):\n%s\n%v", diff, err)
				}
				if u, a, l := count(t, d, "users"), count(t, d, "applicants"), count(t, d, "audit_log"); u != users || a != applicants || l != log {
					t.Errorf("rows changed: users %d→%d, applicants %d→%d, audit %d→%d", users, u, applicants, a, log, l)
				}
			})
		}
	})
}

func with(a auth.NewApplicant, f func(*auth.NewApplicant)) auth.NewApplicant {
	f(&a)
	return a
}

// TestApplicantRegistrationRace sends the same registration many times at once: one account, the
// rest conflicts.
func TestApplicantRegistrationRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newApplicantService(t, d, nil)
		var wg sync.WaitGroup
		results := make([]error, 6)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = s.RegisterApplicant(ctx, citizenAn())
			}()
		}
		wg.Wait()
		made := 0
		for _, err := range results {
			switch {
			case err == nil:
				made++
			case !errs.Is(err, errs.Conflict):
				t.Errorf("concurrent registration: %v, want success or conflict", err)
			}
		}
		if made != 1 || count(t, d, "applicants") != 1 || count(t, d, "users") != 1 {
			t.Errorf("%d registrations succeeded, %d applicants stored; want 1", made, count(t, d, "applicants"))
		}
	})
}

func TestApplicantUpdateAndVerification(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mb := &mailbox{}
		s := newApplicantService(t, d, mb)
		now := time.Now()
		d.Now = func() time.Time { return now }
		defer func() { d.Now = time.Now }()
		u, err := s.RegisterApplicant(ctx, citizenAn())
		if err != nil {
			t.Fatal(err)
		}

		// The code goes to the e-mail address; only its hash is stored.
		sent, err := s.IssueVerificationCode(ctx, u.ID, auth.EmailChannel)
		if err != nil {
			t.Fatal(err)
		}
		m := mb.last(t)
		if m.To != "an.nv@example.vn" || sent.To != m.To || m.Channel != auth.EmailChannel || len(m.Code) != 6 || m.Login != "068085012345" {
			t.Errorf("sent %+v, message %+v", sent, m)
		}
		var stored string
		if err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT code_hash FROM applicant_codes WHERE user_id = ?", u.ID).Scan(&stored)
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, m.Code) || len(stored) != 64 {
			t.Errorf("stored %q for code %s: want a hash", stored, m.Code)
		}
		if _, err := s.IssueVerificationCode(ctx, u.ID, auth.EmailChannel); errs.As(err).Reason != "code_recently_sent" {
			t.Errorf("a second code at once: %v, want code_recently_sent", err)
		}
		wrong := "000000"
		if m.Code == wrong {
			wrong = "111111"
		}
		if _, err := s.ConfirmVerificationCode(ctx, u.ID, auth.EmailChannel, wrong); errs.As(err).Reason != "bad_code" {
			t.Errorf("wrong code: %v, want bad_code", err)
		}
		if _, err := s.ConfirmVerificationCode(ctx, u.ID, auth.PhoneChannel, m.Code); errs.As(err).Reason != "no_code" {
			t.Errorf("the e-mail code on the phone channel: %v, want no_code", err)
		}
		a, err := s.ConfirmVerificationCode(ctx, u.ID, auth.EmailChannel, m.Code)
		if err != nil {
			t.Fatalf("right code after one wrong one: %v", err)
		}
		if a.EmailVerifiedAt == nil || a.PhoneVerifiedAt != nil {
			t.Errorf("after confirming: %+v", a)
		}
		if _, err := s.ConfirmVerificationCode(ctx, u.ID, auth.EmailChannel, m.Code); errs.As(err).Reason != "no_code" {
			t.Errorf("the code used twice: %v, want no_code", err)
		}
		if _, err := s.IssueVerificationCode(ctx, u.ID, auth.EmailChannel); errs.As(err).Reason != "already_verified" {
			t.Errorf("verifying a verified address: %v, want already_verified", err)
		}

		// The phone: too many wrong guesses void the code.
		if _, err := s.IssueVerificationCode(ctx, u.ID, auth.PhoneChannel); err != nil {
			t.Fatal(err)
		}
		pm := mb.last(t)
		if pm.To != "0912345678" {
			t.Errorf("phone code sent to %q", pm.To)
		}
		wrong = "000000"
		if pm.Code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= auth.CodeAttempts; i++ {
			_, err := s.ConfirmVerificationCode(ctx, u.ID, auth.PhoneChannel, wrong)
			want := "bad_code"
			if i == auth.CodeAttempts {
				want = "too_many_attempts"
			}
			if errs.As(err).Reason != want {
				t.Errorf("wrong guess %d: %v, want %s", i, err, want)
			}
		}
		if _, err := s.ConfirmVerificationCode(ctx, u.ID, auth.PhoneChannel, pm.Code); errs.As(err).Reason != "no_code" {
			t.Errorf("the right code after the limit: %v, want no_code", err)
		}

		// A new code, a minute later; it expires after CodeTTL.
		now = now.Add(auth.CodeResendAfter)
		if _, err := s.IssueVerificationCode(ctx, u.ID, auth.PhoneChannel); err != nil {
			t.Fatal(err)
		}
		pm = mb.last(t)
		now = now.Add(auth.CodeTTL)
		if _, err := s.ConfirmVerificationCode(ctx, u.ID, auth.PhoneChannel, pm.Code); errs.As(err).Reason != "expired_code" {
			t.Errorf("an expired code: %v, want expired_code", err)
		}

		// A code for the old number does not verify a new one.
		now = now.Add(auth.CodeResendAfter)
		if _, err := s.IssueVerificationCode(ctx, u.ID, auth.PhoneChannel); err != nil {
			t.Fatal(err)
		}
		pm = mb.last(t)
		newPhone, address := "0387 654 321", "  Thôn 2,  xã Lạc Dương, tỉnh Lâm Đồng "
		a, err = s.UpdateApplicant(ctx, u.ID, auth.ApplicantUpdate{Phone: &newPhone, Address: &address})
		if err != nil {
			t.Fatal(err)
		}
		if a.Phone != "0387654321" || a.Address != "Thôn 2, xã Lạc Dương, tỉnh Lâm Đồng" || a.Email != "an.nv@example.vn" || a.EmailVerifiedAt == nil || a.PhoneVerifiedAt != nil {
			t.Errorf("after the update: %+v", a)
		}
		if _, err := s.ConfirmVerificationCode(ctx, u.ID, auth.PhoneChannel, pm.Code); errs.As(err).Reason != "no_code" {
			t.Errorf("the old number's code: %v, want no_code", err)
		}
		if _, err := s.IssueVerificationCode(ctx, u.ID, auth.PhoneChannel); err != nil {
			t.Fatal(err)
		}
		if a, err = s.ConfirmVerificationCode(ctx, u.ID, auth.PhoneChannel, mb.last(t).Code); err != nil || a.PhoneVerifiedAt == nil {
			t.Fatalf("verifying the new number: %+v %v", a, err)
		}

		// A changed e-mail address is no longer verified; removing both contacts is refused.
		email := "An.Nguyen@Example.vn"
		if a, err = s.UpdateApplicant(ctx, u.ID, auth.ApplicantUpdate{Email: &email}); err != nil || a.Email != "an.nguyen@example.vn" || a.EmailVerifiedAt != nil || a.PhoneVerifiedAt == nil {
			t.Errorf("changing the e-mail: %+v %v", a, err)
		}
		empty := ""
		log := count(t, d, "audit_log")
		if _, err := s.UpdateApplicant(ctx, u.ID, auth.ApplicantUpdate{Email: &empty, Phone: &empty}); !errs.Is(err, errs.Invalid) {
			t.Errorf("removing both contacts: %v, want invalid", err)
		}
		bad := "không phải số"
		if _, err := s.UpdateApplicant(ctx, u.ID, auth.ApplicantUpdate{Phone: &bad}); len(errs.As(err).Fields) != 1 || errs.As(err).Fields[0].Field != "phone" {
			t.Errorf("a bad phone: %v, want a phone field error", err)
		}
		if count(t, d, "audit_log") != log {
			t.Error("a refused update was audited")
		}
		if a, err = s.UpdateApplicant(ctx, u.ID, auth.ApplicantUpdate{Phone: &empty}); err != nil || a.Phone != "" || a.PhoneVerifiedAt != nil {
			t.Errorf("removing the phone, keeping the e-mail: %+v %v", a, err)
		}
		if _, err := s.IssueVerificationCode(ctx, u.ID, auth.PhoneChannel); errs.As(err).Reason != "no_contact" {
			t.Errorf("a code for no phone: %v, want no_contact", err)
		}
		if _, err := s.IssueVerificationCode(ctx, u.ID, "fax"); errs.As(err).Reason != "bad_channel" {
			t.Errorf("a code by fax: %v, want bad_channel", err)
		}
	})
}

func TestIdentityParsers(t *testing.T) {
	type result struct {
		Out string
		OK  bool
	}
	run := func(f func(string) (string, error), in string) result {
		out, err := f(in)
		return result{out, err == nil}
	}
	for _, tc := range []struct {
		name string
		f    func(string) (string, error)
		in   string
		want result
	}{
		{"id", auth.ParseIdentificationNumber, "068085012345", result{"068085012345", true}},
		{"id spaced", auth.ParseIdentificationNumber, " 068 085 012 345 ", result{"068085012345", true}},
		{"id short", auth.ParseIdentificationNumber, "06808501234", result{"", false}},
		{"id long", auth.ParseIdentificationNumber, "0680850123456", result{"", false}},
		{"id letter", auth.ParseIdentificationNumber, "O68085012345", result{"", false}},
		{"id full-width digits", auth.ParseIdentificationNumber, "０６８０８５０１２３４５", result{"", false}},
		{"tax", auth.ParseTaxCode, "5800123456", result{"5800123456", true}},
		{"tax branch", auth.ParseTaxCode, "5800123456-001", result{"5800123456-001", true}},
		{"tax 9", auth.ParseTaxCode, "580012345", result{"", false}},
		{"tax branch 2", auth.ParseTaxCode, "5800123456-01", result{"", false}},
		{"tax dash only", auth.ParseTaxCode, "5800123456-", result{"", false}},
		{"tax 13 digits", auth.ParseTaxCode, "5800123456001", result{"", false}},
		{"phone", auth.ParsePhone, "0912345678", result{"0912345678", true}},
		{"phone +84", auth.ParsePhone, "+84 912 345 678", result{"0912345678", true}},
		{"phone 84", auth.ParsePhone, "84912345678", result{"0912345678", true}},
		{"phone dotted", auth.ParsePhone, "0387.654.321", result{"0387654321", true}},
		{"phone +840", auth.ParsePhone, "+840912345678", result{"", false}},
		{"phone landline", auth.ParsePhone, "02633822222", result{"", false}},
		{"phone 01x", auth.ParsePhone, "0123456789", result{"", false}},
		{"phone 9 digits", auth.ParsePhone, "091234567", result{"", false}},
		{"phone foreign", auth.ParsePhone, "+14155550100", result{"", false}},
		{"email", auth.ParseEmail, " An.NV@Example.VN ", result{"an.nv@example.vn", true}},
		{"email no domain dot", auth.ParseEmail, "an@localhost", result{"", false}},
		{"email two @", auth.ParseEmail, "an@@example.vn", result{"", false}},
		{"email display name", auth.ParseEmail, "An <an@example.vn>", result{"", false}},
		{"email no @", auth.ParseEmail, "an.example.vn", result{"", false}},
	} {
		if got := run(tc.f, tc.in); got != tc.want {
			t.Errorf("%s: %q → %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestLogNotifier checks the default Notifier: with no e-mail or SMS gateway the code is logged.
func TestLogNotifier(t *testing.T) {
	var buf bytes.Buffer
	n := auth.LogNotifier{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := n.SendCode(context.Background(), auth.CodeMessage{Channel: auth.PhoneChannel, To: "0912345678", Login: "068085012345", Code: "042917"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"code=042917", "to=0912345678", "channel=phone"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q has no %s", buf.String(), want)
		}
	}
	s := newApplicantService(t, dbtest.SQLite(t), nil)
	if !s.CodesLogged() {
		t.Error("a service without a Notifier does not say that codes are logged")
	}
	if newApplicantService(t, dbtest.SQLite(t), &mailbox{}).CodesLogged() {
		t.Error("a service with a Notifier says that codes are logged")
	}
}

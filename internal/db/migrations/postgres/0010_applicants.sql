-- Applicants (người nộp hồ sơ): citizens (công dân) and businesses (doanh nghiệp, tổ chức) with an
-- account on the public service portal. An applicant is a users row (login, password, sessions,
-- lockout) plus this profile; applicants never hold rows in user_roles. The columns follow the
-- claims the national portal's single sign-on hands out, so a later OIDC login maps onto them:
-- sub → national_subject, SoDinhDanh → identification_number, HoVaTen → full_name,
-- TenDoanhNghiep → business_name, MaSoThue/MaSoDoanhNghiep → tax_code, ThuDienTu → email,
-- SoDienThoai → phone, DiaChi → address.
CREATE TABLE applicants (
	user_id               BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	kind                  TEXT NOT NULL CHECK (kind IN ('citizen', 'business')),
	-- The 12-digit personal identification number (số định danh cá nhân) of the citizen, or of
	-- the business's legal representative.
	identification_number TEXT NOT NULL,
	full_name             TEXT NOT NULL,
	date_of_birth         TEXT NOT NULL DEFAULT '',
	business_name         TEXT NOT NULL DEFAULT '',
	tax_code              TEXT NOT NULL DEFAULT '',
	email                 TEXT NOT NULL DEFAULT '',
	email_verified_at     TIMESTAMPTZ,
	phone                 TEXT NOT NULL DEFAULT '',
	phone_verified_at     TIMESTAMPTZ,
	address               TEXT NOT NULL DEFAULT '',
	-- The national identity provider's stable subject; NULL until single sign-on links the account.
	national_subject      TEXT,
	created_at            TIMESTAMPTZ NOT NULL,
	updated_at            TIMESTAMPTZ NOT NULL,
	CHECK (kind = 'citizen' OR (business_name <> '' AND tax_code <> ''))
);
CREATE UNIQUE INDEX applicants_citizen_id ON applicants (identification_number) WHERE kind = 'citizen';
CREATE UNIQUE INDEX applicants_business_tax_code ON applicants (tax_code) WHERE kind = 'business';
CREATE UNIQUE INDEX applicants_national_subject ON applicants (national_subject);

-- One outstanding verification code per applicant and channel. Only a keyed hash of the code is
-- kept, bound to the address or number it was sent to.
CREATE TABLE applicant_codes (
	user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	channel    TEXT NOT NULL CHECK (channel IN ('email', 'phone')),
	target     TEXT NOT NULL,
	code_hash  TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (user_id, channel)
);

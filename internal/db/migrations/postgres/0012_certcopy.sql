-- E-certified copies from originals (chứng thực bản sao điện tử từ bản chính, procedure 2.000815):
-- the copy with its register number (gapless per agency and year, from certcopy_counters, updated
-- in the same transaction), the applicant, the original, the fee, the officer, the SHA-256 of the
-- signed PDF and of each scanned page (JSON array, pages in order; the bytes are in the file
-- store), and its revocation. code is the public verification code.
CREATE TABLE certified_copies (
	code                 TEXT PRIMARY KEY,
	agency_code          TEXT NOT NULL,
	register_year        INTEGER NOT NULL,
	register_number      INTEGER NOT NULL CHECK (register_number > 0),
	register_label       TEXT NOT NULL,
	book                 TEXT NOT NULL,
	applicant_name       TEXT NOT NULL,
	applicant_id_number  TEXT NOT NULL,
	original_description TEXT NOT NULL,
	pages                INTEGER NOT NULL CHECK (pages > 0),
	fee                  BIGINT NOT NULL CHECK (fee >= 0),
	officer_login        TEXT NOT NULL,
	officer_name         TEXT NOT NULL,
	officer_title        TEXT NOT NULL,
	issued_at            TIMESTAMPTZ NOT NULL,
	pdf_sha256           TEXT NOT NULL,
	pdf_size             BIGINT NOT NULL,
	scans                TEXT NOT NULL,
	revoked_at           TIMESTAMPTZ,
	revoked_by           TEXT NOT NULL DEFAULT '',
	revoke_reason        TEXT NOT NULL DEFAULT '',
	UNIQUE (agency_code, register_year, register_number)
);

CREATE INDEX certified_copies_issued ON certified_copies (agency_code, issued_at);
CREATE INDEX certified_copies_pdf ON certified_copies (pdf_sha256);

CREATE TABLE certcopy_counters (
	agency_code TEXT NOT NULL,
	year        INTEGER NOT NULL,
	last        INTEGER NOT NULL,
	PRIMARY KEY (agency_code, year)
);

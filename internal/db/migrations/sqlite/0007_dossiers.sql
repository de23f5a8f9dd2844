-- Dossiers (hồ sơ) of the one-stop workflow: the dossier with its applicant and deadlines, the
-- files submitted, supplied and issued, every status change, the gapless daily code counter per
-- agency, and the applicant's electronic data store (kho dữ liệu điện tử) of reusable results.
CREATE TABLE dossiers (
	code              TEXT PRIMARY KEY,
	agency_code       TEXT NOT NULL,
	procedure_code    TEXT NOT NULL,
	instance_code     TEXT NOT NULL,
	procedure_name    TEXT NOT NULL,
	status            INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
	resume_status     INTEGER NOT NULL DEFAULT 0,
	channel           TEXT NOT NULL,
	applicant_user_id INTEGER,
	applicant_kind    TEXT NOT NULL,
	applicant_name    TEXT NOT NULL,
	applicant_id      TEXT NOT NULL DEFAULT '',
	applicant_email   TEXT NOT NULL DEFAULT '',
	applicant_phone   TEXT NOT NULL DEFAULT '',
	applicant_address TEXT NOT NULL DEFAULT '',
	subject           TEXT NOT NULL DEFAULT '',
	processing_days   INTEGER NOT NULL,
	fee_total         INTEGER NOT NULL DEFAULT 0,
	submitted_at      TIMESTAMP NOT NULL,
	accepted_at       TIMESTAMP,
	due_at            TIMESTAMP,
	deadline_note     TEXT NOT NULL DEFAULT '',
	department_code   TEXT NOT NULL DEFAULT '',
	assignee          TEXT NOT NULL DEFAULT '',
	processed_at      TIMESTAMP,
	finished_at       TIMESTAMP,
	rating            INTEGER,
	rating_comment    TEXT NOT NULL DEFAULT '',
	rated_at          TIMESTAMP,
	idempotency_key   TEXT UNIQUE,
	request_hash      TEXT NOT NULL DEFAULT '',
	version           INTEGER NOT NULL DEFAULT 1,
	updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX dossiers_agency ON dossiers (agency_code, status, due_at);
CREATE INDEX dossiers_applicant ON dossiers (applicant_user_id, submitted_at);
CREATE INDEX dossiers_submitted ON dossiers (agency_code, submitted_at);

CREATE TABLE dossier_counters (
	agency_code TEXT NOT NULL,
	day         TEXT NOT NULL,
	last        INTEGER NOT NULL,
	PRIMARY KEY (agency_code, day)
);

CREATE TABLE dossier_files (
	dossier_code TEXT NOT NULL REFERENCES dossiers (code),
	position     INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	component    TEXT NOT NULL DEFAULT '',
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	signed       BOOLEAN NOT NULL DEFAULT FALSE,
	uploaded_at  TIMESTAMP NOT NULL,
	uploaded_by  TEXT NOT NULL,
	PRIMARY KEY (dossier_code, position)
);

CREATE TABLE dossier_events (
	id           INTEGER PRIMARY KEY,
	dossier_code TEXT NOT NULL,
	at           TIMESTAMP NOT NULL,
	actor        TEXT NOT NULL,
	actor_name   TEXT NOT NULL DEFAULT '',
	action       TEXT NOT NULL,
	from_status  INTEGER NOT NULL,
	to_status    INTEGER NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dossier_events_code ON dossier_events (dossier_code, id);

CREATE TABLE applicant_documents (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL,
	name         TEXT NOT NULL,
	kind         TEXT NOT NULL,
	dossier_code TEXT NOT NULL DEFAULT '',
	issuer_code  TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	signed       BOOLEAN NOT NULL DEFAULT FALSE,
	created_at   TIMESTAMP NOT NULL
);
CREATE INDEX applicant_documents_user ON applicant_documents (user_id, id);

-- Agency document and work-file management (công tác văn thư, Decree 30/2020/NĐ-CP): outgoing
-- documents from draft to issue, incoming documents from the axis or from paper, their processing
-- (assignments with working-day deadlines, opinions), work files, the gapless yearly counters, the
-- status packets waiting to go back to senders (an outbox), per-agency settings and idempotency keys.
CREATE TABLE office_outgoing (
	id                  INTEGER PRIMARY KEY,
	agency_code         TEXT NOT NULL,
	status              TEXT NOT NULL,
	doc_type            INTEGER NOT NULL CHECK (doc_type BETWEEN 1 AND 29),
	subject             TEXT NOT NULL,
	summary             TEXT NOT NULL DEFAULT '',
	drafting_unit       TEXT NOT NULL DEFAULT '',
	drafting_unit_abbr  TEXT NOT NULL DEFAULT '',
	signer_name         TEXT NOT NULL DEFAULT '',
	signer_title        TEXT NOT NULL DEFAULT '',
	signer_competence   TEXT NOT NULL DEFAULT '',
	urgency             INTEGER NOT NULL DEFAULT 0 CHECK (urgency BETWEEN 0 AND 3),
	confidentiality     INTEGER NOT NULL DEFAULT 0 CHECK (confidentiality BETWEEN 0 AND 3),
	place               TEXT NOT NULL DEFAULT '',
	copies              INTEGER NOT NULL DEFAULT 0,
	keeper              TEXT NOT NULL DEFAULT '',
	note                TEXT NOT NULL DEFAULT '',
	due_date            TEXT NOT NULL DEFAULT '',
	series              TEXT NOT NULL DEFAULT '',
	year                INTEGER,
	number              INTEGER,
	notation            TEXT NOT NULL DEFAULT '',
	issue_date          TEXT NOT NULL DEFAULT '',
	issued_at           TIMESTAMP,
	issued_by           TEXT NOT NULL DEFAULT '',
	created_by          TEXT NOT NULL,
	created_by_name     TEXT NOT NULL DEFAULT '',
	created_at          TIMESTAMP NOT NULL,
	approved_by         TEXT NOT NULL DEFAULT '',
	approved_by_name    TEXT NOT NULL DEFAULT '',
	approved_at         TIMESTAMP,
	signed              BOOLEAN NOT NULL DEFAULT FALSE,
	signed_by           TEXT NOT NULL DEFAULT '',
	signed_by_name      TEXT NOT NULL DEFAULT '',
	signed_at           TIMESTAMP,
	signature_method    TEXT NOT NULL DEFAULT '',
	axis_document_id    TEXT NOT NULL DEFAULT '',
	axis_id             TEXT NOT NULL DEFAULT '',
	send_state          TEXT NOT NULL DEFAULT '',
	send_error          TEXT NOT NULL DEFAULT '',
	send_attempts       INTEGER NOT NULL DEFAULT 0,
	package_sha         TEXT NOT NULL DEFAULT '',
	sent_at             TIMESTAMP,
	version             INTEGER NOT NULL DEFAULT 1,
	updated_at          TIMESTAMP NOT NULL,
	UNIQUE (agency_code, year, series, number)
);
CREATE INDEX office_outgoing_agency ON office_outgoing (agency_code, status, id);
CREATE INDEX office_outgoing_register ON office_outgoing (agency_code, issue_date) WHERE number IS NOT NULL;
CREATE INDEX office_outgoing_unsent ON office_outgoing (send_state) WHERE send_state IN ('pending', 'failed');

CREATE TABLE office_recipients (
	outgoing_id INTEGER NOT NULL REFERENCES office_outgoing (id),
	position    INTEGER NOT NULL,
	agency_code TEXT NOT NULL DEFAULT '',
	name        TEXT NOT NULL DEFAULT '',
	paper       BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (outgoing_id, position)
);

CREATE TABLE office_incoming (
	id                INTEGER PRIMARY KEY,
	agency_code       TEXT NOT NULL,
	status            TEXT NOT NULL,
	source            TEXT NOT NULL,
	axis_id           TEXT NOT NULL DEFAULT '',
	axis_document_id  TEXT NOT NULL DEFAULT '',
	sender_code       TEXT NOT NULL DEFAULT '',
	sender_name       TEXT NOT NULL DEFAULT '',
	doc_type          INTEGER NOT NULL DEFAULT 0,
	type_name         TEXT NOT NULL DEFAULT '',
	code_number       TEXT NOT NULL DEFAULT '',
	code_notation     TEXT NOT NULL DEFAULT '',
	document_date     TEXT NOT NULL DEFAULT '',
	subject           TEXT NOT NULL,
	summary           TEXT NOT NULL DEFAULT '',
	signer_name       TEXT NOT NULL DEFAULT '',
	signer_title      TEXT NOT NULL DEFAULT '',
	urgency           INTEGER NOT NULL DEFAULT 0,
	confidentiality   INTEGER NOT NULL DEFAULT 0,
	due_at            TIMESTAMP,
	note              TEXT NOT NULL DEFAULT '',
	received_at       TIMESTAMP NOT NULL,
	year              INTEGER,
	number            INTEGER,
	registered_at     TIMESTAMP,
	registered_by     TEXT NOT NULL DEFAULT '',
	refused_reason    TEXT NOT NULL DEFAULT '',
	completed_at      TIMESTAMP,
	created_by        TEXT NOT NULL,
	version           INTEGER NOT NULL DEFAULT 1,
	updated_at        TIMESTAMP NOT NULL,
	UNIQUE (agency_code, year, number)
);
CREATE UNIQUE INDEX office_incoming_axis ON office_incoming (agency_code, axis_id) WHERE axis_id <> '';
CREATE INDEX office_incoming_agency ON office_incoming (agency_code, status, id);
CREATE INDEX office_incoming_register ON office_incoming (agency_code, received_at) WHERE number IS NOT NULL;

-- Files of outgoing (owner_kind 'outgoing') and incoming ('incoming') documents, in the file store.
CREATE TABLE office_attachments (
	owner_kind   TEXT NOT NULL,
	owner_id     INTEGER NOT NULL,
	position     INTEGER NOT NULL,
	role         TEXT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	added_at     TIMESTAMP NOT NULL,
	added_by     TEXT NOT NULL,
	PRIMARY KEY (owner_kind, owner_id, position)
);

CREATE TABLE office_events (
	id         INTEGER PRIMARY KEY,
	owner_kind TEXT NOT NULL,
	owner_id   INTEGER NOT NULL,
	at         TIMESTAMP NOT NULL,
	actor      TEXT NOT NULL,
	actor_name TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	from_state TEXT NOT NULL DEFAULT '',
	to_state   TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX office_events_owner ON office_events (owner_kind, owner_id, id);

-- Gapless numbers: series is normal or secret (outgoing) or incoming. The row is updated in the
-- transaction that uses the number, so a rolled-back issue consumes none.
CREATE TABLE office_counters (
	agency_code TEXT NOT NULL,
	year        INTEGER NOT NULL,
	series      TEXT NOT NULL,
	last        INTEGER NOT NULL,
	PRIMARY KEY (agency_code, year, series)
);

CREATE TABLE office_assignments (
	id            INTEGER PRIMARY KEY,
	incoming_id   INTEGER NOT NULL REFERENCES office_incoming (id),
	agency_code   TEXT NOT NULL,
	assignee      TEXT NOT NULL DEFAULT '',
	assignee_name TEXT NOT NULL DEFAULT '',
	department    TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL,
	deadline      TIMESTAMP,
	status        TEXT NOT NULL,
	note          TEXT NOT NULL DEFAULT '',
	assigned_by   TEXT NOT NULL,
	assigned_at   TIMESTAMP NOT NULL,
	started_at    TIMESTAMP,
	forwarded_to  INTEGER,
	completed_at  TIMESTAMP,
	result        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX office_assignments_incoming ON office_assignments (incoming_id, id);
CREATE INDEX office_assignments_open ON office_assignments (agency_code, deadline) WHERE status IN ('open', 'started');
CREATE INDEX office_assignments_assignee ON office_assignments (assignee, deadline) WHERE status IN ('open', 'started');

CREATE TABLE office_opinions (
	id            INTEGER PRIMARY KEY,
	incoming_id   INTEGER NOT NULL REFERENCES office_incoming (id),
	assignment_id INTEGER,
	author        TEXT NOT NULL,
	author_name   TEXT NOT NULL DEFAULT '',
	text          TEXT NOT NULL,
	at            TIMESTAMP NOT NULL
);
CREATE INDEX office_opinions_incoming ON office_opinions (incoming_id, id);

-- Status packets for the senders of incoming documents, written in the transaction of the change
-- they report and sent after it commits (again by the poller when the axis was unreachable).
CREATE TABLE office_status_outbox (
	id               INTEGER PRIMARY KEY,
	incoming_id      INTEGER NOT NULL,
	agency_code      TEXT NOT NULL,
	status_code      TEXT NOT NULL,
	description      TEXT NOT NULL DEFAULT '',
	staff            TEXT NOT NULL DEFAULT '',
	department       TEXT NOT NULL DEFAULT '',
	at               TIMESTAMP NOT NULL,
	sent_at          TIMESTAMP,
	axis_id          TEXT NOT NULL DEFAULT '',
	attempts         INTEGER NOT NULL DEFAULT 0,
	error            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX office_status_outbox_incoming ON office_status_outbox (incoming_id, id);
CREATE INDEX office_status_outbox_unsent ON office_status_outbox (id) WHERE sent_at IS NULL;

-- Work files (hồ sơ công việc) of the yearly list (danh mục hồ sơ) and the documents in them.
CREATE TABLE office_files (
	id          INTEGER PRIMARY KEY,
	agency_code TEXT NOT NULL,
	year        INTEGER NOT NULL,
	number      TEXT NOT NULL,
	group_abbr  TEXT NOT NULL,
	code        TEXT NOT NULL UNIQUE,
	title       TEXT NOT NULL,
	heading     TEXT NOT NULL DEFAULT '',
	keeper      TEXT NOT NULL DEFAULT '',
	retention   TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL,
	closed_at   TIMESTAMP,
	closed_by   TEXT NOT NULL DEFAULT '',
	archived_at TIMESTAMP,
	archived_by TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 1,
	updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX office_files_agency ON office_files (agency_code, year, id);

CREATE TABLE office_file_items (
	file_id  INTEGER NOT NULL REFERENCES office_files (id),
	position INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	doc_id   INTEGER NOT NULL,
	added_at TIMESTAMP NOT NULL,
	added_by TEXT NOT NULL,
	PRIMARY KEY (file_id, position),
	UNIQUE (kind, doc_id)
);

CREATE TABLE office_settings (
	agency_code   TEXT PRIMARY KEY,
	auto_register BOOLEAN NOT NULL DEFAULT FALSE,
	place         TEXT NOT NULL DEFAULT '',
	updated_by    TEXT NOT NULL,
	updated_at    TIMESTAMP NOT NULL
);

-- Idempotency keys of writes from outside: the key (actor and header), what the request was and
-- what it created, so a retry gets the first answer.
CREATE TABLE office_idempotency (
	key          TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	ref_id       INTEGER NOT NULL,
	created_at   TIMESTAMP NOT NULL
);

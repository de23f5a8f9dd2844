-- Document exchange axis: stored packages (small ones inline, so the group commit makes them durable
-- with everything else; large ones in the file store), one delivery per recipient, the timeline of each
-- delivery, and refusals (counted in the statistics).
CREATE TABLE axis_documents (
	id                TEXT PRIMARY KEY,
	dedupe_key        TEXT NOT NULL UNIQUE,
	kind              TEXT NOT NULL,
	document_id       TEXT NOT NULL,
	business_type     INTEGER NOT NULL DEFAULT 0,
	related_id        TEXT NOT NULL DEFAULT '',
	status_code       TEXT NOT NULL DEFAULT '',
	sender_code       TEXT NOT NULL,
	client_id         TEXT NOT NULL,
	package_sha       TEXT NOT NULL,
	package_size      INTEGER NOT NULL,
	package_inline    BLOB,
	subject           TEXT NOT NULL DEFAULT '',
	code_number       TEXT NOT NULL DEFAULT '',
	code_notation     TEXT NOT NULL DEFAULT '',
	promulgation_date TEXT NOT NULL DEFAULT '',
	type_name         TEXT NOT NULL DEFAULT '',
	priority          INTEGER NOT NULL DEFAULT 0,
	attachments       INTEGER NOT NULL DEFAULT 0,
	signature_state   TEXT NOT NULL,
	signer            TEXT NOT NULL DEFAULT '',
	signature_report  TEXT NOT NULL DEFAULT '',
	received_at       TIMESTAMP NOT NULL
);
CREATE INDEX axis_documents_sender ON axis_documents(sender_code, received_at);
CREATE INDEX axis_documents_docid ON axis_documents(document_id);

CREATE TABLE axis_attachments (
	document    TEXT NOT NULL REFERENCES axis_documents(id),
	position    INTEGER NOT NULL,
	content_id  TEXT NOT NULL,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL DEFAULT '',
	sha256      TEXT NOT NULL,
	size        INTEGER NOT NULL,
	PRIMARY KEY (document, position)
);

CREATE TABLE axis_deliveries (
	id             INTEGER PRIMARY KEY,
	document       TEXT NOT NULL REFERENCES axis_documents(id),
	recipient_code TEXT NOT NULL,
	transport      TEXT NOT NULL DEFAULT 'pending',
	status_code    TEXT NOT NULL DEFAULT '',
	created_at     TIMESTAMP NOT NULL,
	updated_at     TIMESTAMP NOT NULL,
	UNIQUE (document, recipient_code)
);
-- The inbox of undelivered items stays small however many documents are stored: a partial index.
CREATE INDEX axis_inbox ON axis_deliveries(recipient_code, id) WHERE transport <> 'done';
CREATE INDEX axis_deliveries_recipient ON axis_deliveries(recipient_code, id);

CREATE TABLE axis_events (
	id          INTEGER PRIMARY KEY,
	document    TEXT NOT NULL,
	agency_code TEXT NOT NULL,
	at          TIMESTAMP NOT NULL,
	event       TEXT NOT NULL,
	status_code TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX axis_events_document ON axis_events(document, id);

CREATE TABLE axis_refusals (
	id          INTEGER PRIMARY KEY,
	at          TIMESTAMP NOT NULL,
	client_id   TEXT NOT NULL,
	sender_code TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL,
	message     TEXT NOT NULL
);
CREATE INDEX axis_refusals_at ON axis_refusals(at);

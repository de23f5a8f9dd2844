-- Feedback on administrative regulations and behaviour (phản ánh), petitions (kiến nghị) and
-- questions (hỏi đáp): the item with its sender, responsible agency, working-day deadline and
-- answer, and every step taken on it. agency_key is the agency code written from level 1 down
-- (H36.04.00.000) so that an agency's subtree is one range of the index; is_open is 1 while the
-- agency still owes an answer (received, assigned, transferred), so overdue lists read the index only.
CREATE TABLE feedback_items (
	code            TEXT PRIMARY KEY,
	kind            TEXT NOT NULL CHECK (kind IN ('feedback', 'petition', 'question')),
	status          TEXT NOT NULL CHECK (status IN ('received', 'assigned', 'transferred', 'answered', 'published', 'rejected')),
	is_open         INTEGER NOT NULL CHECK (is_open IN (0, 1)),
	subject         TEXT NOT NULL,
	content         TEXT NOT NULL,
	field_code      TEXT NOT NULL DEFAULT '',
	procedure_code  TEXT NOT NULL DEFAULT '',
	dossier_code    TEXT NOT NULL DEFAULT '',
	sender_name     TEXT NOT NULL,
	sender_email    TEXT NOT NULL DEFAULT '',
	sender_phone    TEXT NOT NULL DEFAULT '',
	sender_address  TEXT NOT NULL DEFAULT '',
	agency_code     TEXT NOT NULL,
	agency_key      TEXT NOT NULL,
	province_code   TEXT NOT NULL,
	assignee        TEXT NOT NULL DEFAULT '',
	response_days   INTEGER NOT NULL CHECK (response_days > 0),
	received_at     TIMESTAMP NOT NULL,
	due_at          TIMESTAMP NOT NULL,
	deadline_note   TEXT NOT NULL DEFAULT '',
	answer_text     TEXT NOT NULL DEFAULT '',
	answer_officer  TEXT NOT NULL DEFAULT '',
	answer_title    TEXT NOT NULL DEFAULT '',
	answered_at     TIMESTAMP,
	published_at    TIMESTAMP,
	rejected_at     TIMESTAMP,
	reject_reason   TEXT NOT NULL DEFAULT '',
	transfers       INTEGER NOT NULL DEFAULT 0,
	search_text     TEXT NOT NULL,
	sender_search   TEXT NOT NULL,
	idempotency_key TEXT UNIQUE,
	request_hash    TEXT NOT NULL DEFAULT '',
	version         INTEGER NOT NULL DEFAULT 1,
	updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX feedback_items_open ON feedback_items (is_open, agency_key, due_at);
CREATE INDEX feedback_items_agency ON feedback_items (agency_key, received_at);
CREATE INDEX feedback_items_published ON feedback_items (status, published_at);

CREATE TABLE feedback_events (
	id          INTEGER PRIMARY KEY,
	item_code   TEXT NOT NULL REFERENCES feedback_items (code),
	at          TIMESTAMP NOT NULL,
	actor       TEXT NOT NULL,
	actor_name  TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	from_status TEXT NOT NULL DEFAULT '',
	to_status   TEXT NOT NULL,
	agency_code TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX feedback_events_item ON feedback_events (item_code, id);

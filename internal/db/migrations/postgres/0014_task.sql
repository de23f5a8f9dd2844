-- Government task tracking (theo dõi nhiệm vụ Chính phủ, Thủ tướng giao): a task assigned by a
-- directive document to a lead agency, with coordinating agencies and every event on it. Status is
-- never stored: it is derived from state (open, submitted, done, cancelled), deadline and
-- completed_on. Days are 'YYYY-MM-DD' in Vietnam time; deadline is '' for regular/ongoing tasks.
-- The three task_count_* tables are maintained in the same transaction as every change so that
-- figures never scan tasks: assigned per assignment month, open per deadline day (overdue now =
-- deadline < today), completed per completion month split on time / late.
CREATE TABLE tasks (
	id               BIGSERIAL PRIMARY KEY,
	directive_kind   TEXT NOT NULL,
	directive_number TEXT NOT NULL,
	directive_date   TEXT NOT NULL DEFAULT '',
	directive_doc    TEXT NOT NULL DEFAULT '',
	content          TEXT NOT NULL,
	lead_agency      TEXT NOT NULL,
	province_code    TEXT NOT NULL,
	authority        TEXT NOT NULL,
	assigner_agency  TEXT NOT NULL,
	assigned_on      TEXT NOT NULL,
	deadline         TEXT NOT NULL DEFAULT '',
	report_period    TEXT NOT NULL DEFAULT '',
	product          TEXT NOT NULL DEFAULT '',
	source           TEXT NOT NULL DEFAULT '',
	state            TEXT NOT NULL CHECK (state IN ('open', 'submitted', 'done', 'cancelled')),
	completed_on     TEXT NOT NULL DEFAULT '',
	pending_deadline TEXT NOT NULL DEFAULT '',
	pending_reason   TEXT NOT NULL DEFAULT '',
	idempotency_key  TEXT UNIQUE,
	created_by       TEXT NOT NULL,
	created_at       TIMESTAMPTZ NOT NULL,
	version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tasks_lead ON tasks (lead_agency, state, deadline);
CREATE INDEX tasks_deadline ON tasks (deadline, state);
CREATE INDEX tasks_assigner ON tasks (assigner_agency, authority, assigned_on);

CREATE TABLE task_coordinators (
	task_id     BIGINT NOT NULL REFERENCES tasks (id),
	agency_code TEXT NOT NULL,
	PRIMARY KEY (task_id, agency_code)
);

CREATE TABLE task_events (
	id        BIGSERIAL PRIMARY KEY,
	task_id   BIGINT NOT NULL REFERENCES tasks (id),
	kind      TEXT NOT NULL,
	actor     TEXT NOT NULL,
	at        TIMESTAMPTZ NOT NULL,
	note      TEXT NOT NULL DEFAULT '',
	detail    TEXT NOT NULL DEFAULT '',
	documents TEXT NOT NULL DEFAULT ''
);
CREATE INDEX task_events_task ON task_events (task_id, id);

CREATE TABLE task_reminders (
	task_id   BIGINT NOT NULL REFERENCES tasks (id),
	deadline  TEXT NOT NULL,
	agency    TEXT NOT NULL,
	due_on    TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (task_id, deadline)
);
CREATE INDEX task_reminders_agency ON task_reminders (agency, due_on);

CREATE TABLE task_count_assigned (
	agency_code TEXT NOT NULL,
	authority   TEXT NOT NULL,
	month       TEXT NOT NULL,
	n           INTEGER NOT NULL,
	PRIMARY KEY (agency_code, authority, month)
);
CREATE TABLE task_count_open (
	agency_code TEXT NOT NULL,
	authority   TEXT NOT NULL,
	deadline    TEXT NOT NULL,
	n           INTEGER NOT NULL,
	PRIMARY KEY (agency_code, authority, deadline)
);
CREATE INDEX task_count_open_deadline ON task_count_open (deadline);
CREATE TABLE task_count_done (
	agency_code TEXT NOT NULL,
	authority   TEXT NOT NULL,
	month       TEXT NOT NULL,
	on_time     INTEGER NOT NULL,
	late        INTEGER NOT NULL,
	PRIMARY KEY (agency_code, authority, month)
);

-- Foundation: agency registry, accounts, machine clients, audit log, job queue, settings.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE agencies (
	code           TEXT PRIMARY KEY,
	parent_code    TEXT REFERENCES agencies(code) DEFERRABLE INITIALLY DEFERRED,
	root           TEXT NOT NULL,
	depth          INTEGER NOT NULL,
	name           TEXT NOT NULL,
	name_folded    TEXT NOT NULL,
	abbreviation   TEXT NOT NULL DEFAULT '',
	kind           TEXT NOT NULL,
	level          TEXT NOT NULL,
	effective_from TEXT NOT NULL DEFAULT '',
	effective_to   TEXT NOT NULL DEFAULT '',
	successor_code TEXT REFERENCES agencies(code) DEFERRABLE INITIALLY DEFERRED,
	on_axis        BOOLEAN NOT NULL DEFAULT FALSE,
	address        TEXT NOT NULL DEFAULT '',
	email          TEXT NOT NULL DEFAULT '',
	phone          TEXT NOT NULL DEFAULT '',
	version        INTEGER NOT NULL DEFAULT 1,
	updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX agencies_parent ON agencies(parent_code);
CREATE INDEX agencies_successor ON agencies(successor_code);

CREATE TABLE agency_events (
	id      INTEGER PRIMARY KEY,
	code    TEXT NOT NULL,
	at      TIMESTAMP NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agency_events_code ON agency_events(code, id);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	login         TEXT NOT NULL UNIQUE,
	full_name     TEXT NOT NULL,
	email         TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  TIMESTAMP,
	disabled      BOOLEAN NOT NULL DEFAULT FALSE,
	created_at    TIMESTAMP NOT NULL,
	password_at   TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role        TEXT NOT NULL,
	agency_code TEXT NOT NULL,
	PRIMARY KEY (user_id, role, agency_code)
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE clients (
	id          TEXT PRIMARY KEY,
	secret_hash TEXT NOT NULL,
	name        TEXT NOT NULL,
	agency_code TEXT NOT NULL REFERENCES agencies(code),
	subtree     BOOLEAN NOT NULL DEFAULT FALSE,
	scopes      TEXT NOT NULL DEFAULT '',
	disabled    BOOLEAN NOT NULL DEFAULT FALSE,
	created_at  TIMESTAMP NOT NULL,
	secret_at   TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
	seq       INTEGER PRIMARY KEY,
	at        TIMESTAMP NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	target    TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);

-- audit_head holds the last sequence number and hash; it is the row writers lock to append in order,
-- and it lets verification notice a deleted tail.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE jobs (
	id           INTEGER PRIMARY KEY,
	queue        TEXT NOT NULL,
	payload      TEXT NOT NULL,
	dedupe_key   TEXT,
	state        TEXT NOT NULL DEFAULT 'ready',
	attempts     INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 10,
	run_at       TIMESTAMP NOT NULL,
	lease_owner  TEXT NOT NULL DEFAULT '',
	lease_until  TIMESTAMP,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	done_at      TIMESTAMP
);
CREATE INDEX jobs_ready ON jobs(queue, state, run_at);
CREATE UNIQUE INDEX jobs_dedupe ON jobs(queue, dedupe_key);

-- The provider's long-lived state, so that a restart (or another instance) keeps citizens signed in:
-- provider sessions (the cookie behind silent logins) and refresh tokens. Authorization requests,
-- codes and access tokens live minutes to an hour and stay in the process. Ids are stored hashed.
CREATE TABLE sso_state (
	kind       TEXT NOT NULL,      -- session | refresh
	id_hash    TEXT NOT NULL,
	subject    TEXT NOT NULL,
	client_id  TEXT NOT NULL DEFAULT '',
	data       TEXT NOT NULL,      -- JSON
	expires_at TIMESTAMP NOT NULL,
	PRIMARY KEY (kind, id_hash)
);
CREATE INDEX sso_state_subject ON sso_state (subject, kind);
CREATE INDEX sso_state_expires ON sso_state (expires_at);

-- e-Cabinet: meetings (agenda, papers, participants and attendance, minutes, conclusions that become
-- tasks) and written-opinion ballots of Government members (phiếu lấy ý kiến). Papers point at
-- office documents; a secret one (mật and above) is kept as a paper-only title with no file.
CREATE TABLE meetings (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	agency         TEXT NOT NULL,
	title          TEXT NOT NULL,
	kind           TEXT NOT NULL,
	starts_at      TIMESTAMP NOT NULL,
	place          TEXT NOT NULL DEFAULT '',
	chair          TEXT NOT NULL DEFAULT '',
	minutes_text   TEXT NOT NULL DEFAULT '',
	minutes_status TEXT NOT NULL DEFAULT 'none' CHECK (minutes_status IN ('none', 'drafted', 'approved', 'signed')),
	minutes_pdf    BLOB,
	signed_at      TIMESTAMP,
	tasks_made     INTEGER NOT NULL DEFAULT 0 CHECK (tasks_made IN (0, 1)),
	idempotency_key TEXT UNIQUE,
	created_by     TEXT NOT NULL,
	created_at     TIMESTAMP NOT NULL
);
CREATE INDEX meetings_agency ON meetings (agency, starts_at);

CREATE TABLE meeting_items (
	meeting_id       INTEGER NOT NULL REFERENCES meetings (id),
	position         INTEGER NOT NULL,
	title            TEXT NOT NULL,
	presenter_agency TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (meeting_id, position)
);

-- owner_kind says whether the paper belongs to a meeting's agenda item or to a ballot.
CREATE TABLE meeting_papers (
	owner_kind    TEXT NOT NULL CHECK (owner_kind IN ('meeting', 'ballot')),
	owner_id      INTEGER NOT NULL,
	item_position INTEGER NOT NULL DEFAULT 0,
	doc_kind      TEXT NOT NULL CHECK (doc_kind IN ('outgoing', 'incoming')),
	doc_id        INTEGER NOT NULL,
	title         TEXT NOT NULL,
	paper_only    INTEGER NOT NULL CHECK (paper_only IN (0, 1)),
	PRIMARY KEY (owner_kind, owner_id, item_position, doc_kind, doc_id)
);

CREATE TABLE meeting_participants (
	meeting_id INTEGER NOT NULL REFERENCES meetings (id),
	login      TEXT NOT NULL,
	agency     TEXT NOT NULL DEFAULT '',
	attendance TEXT NOT NULL DEFAULT 'invited' CHECK (attendance IN ('invited', 'present', 'remote', 'absent', 'delegated')),
	delegate   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (meeting_id, login)
);
CREATE INDEX meeting_participants_login ON meeting_participants (login);

CREATE TABLE meeting_conclusions (
	meeting_id    INTEGER NOT NULL REFERENCES meetings (id),
	position      INTEGER NOT NULL,
	content       TEXT NOT NULL,
	lead_agency   TEXT NOT NULL,
	coordinating  TEXT NOT NULL DEFAULT '',
	deadline      TEXT NOT NULL DEFAULT '',
	ongoing       INTEGER NOT NULL DEFAULT 0 CHECK (ongoing IN (0, 1)),
	product       TEXT NOT NULL DEFAULT '',
	item_position INTEGER NOT NULL DEFAULT 0,
	task_id       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (meeting_id, position)
);

CREATE TABLE ballots (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	agency       TEXT NOT NULL,
	question     TEXT NOT NULL,
	deadline     TIMESTAMP NOT NULL,
	status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'published')),
	agree        INTEGER NOT NULL DEFAULT 0,
	disagree     INTEGER NOT NULL DEFAULT 0,
	other        INTEGER NOT NULL DEFAULT 0,
	unanswered   INTEGER NOT NULL DEFAULT 0,
	record_pdf   BLOB,
	idempotency_key TEXT UNIQUE,
	created_by   TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	published_at TIMESTAMP
);
CREATE INDEX ballots_open ON ballots (status, deadline);

CREATE TABLE ballot_members (
	ballot_id   INTEGER NOT NULL REFERENCES ballots (id),
	login       TEXT NOT NULL,
	name        TEXT NOT NULL DEFAULT '',
	answer      TEXT NOT NULL DEFAULT '' CHECK (answer IN ('', 'agree', 'disagree', 'other')),
	comment     TEXT NOT NULL DEFAULT '',
	answered_at TIMESTAMP,
	PRIMARY KEY (ballot_id, login)
);
CREATE INDEX ballot_members_login ON ballot_members (login);

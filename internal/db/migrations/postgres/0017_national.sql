-- National hub (Cổng DVCQG role): dossiers synchronised from provinces (DongBoHoSoMC), their
-- progress records (CapNhatTienDoHoSoMC) kept in time order, refused records with the reason the
-- province must fix, per-province counters maintained on every batch (never computed by scanning),
-- and the per-province sequence numbers received above the highest contiguous one, so gaps can be
-- listed and requested again.
CREATE TABLE national_dossiers (
	code           TEXT PRIMARY KEY,
	province       TEXT NOT NULL,
	agency_code    TEXT NOT NULL,
	procedure_code TEXT NOT NULL,
	applicant_id   TEXT NOT NULL DEFAULT '',
	applicant_name TEXT NOT NULL DEFAULT '',
	status         INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
	received_at    TIMESTAMPTZ NOT NULL,
	status_at      TIMESTAMPTZ NOT NULL,
	content_hash   TEXT NOT NULL,
	record         TEXT NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX national_dossiers_province ON national_dossiers (province, received_at);
CREATE INDEX national_dossiers_applicant ON national_dossiers (applicant_id);

CREATE TABLE national_progress (
	dossier_code TEXT NOT NULL,
	at           TIMESTAMPTZ NOT NULL,
	content_hash TEXT NOT NULL,
	status       INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
	record       TEXT NOT NULL,
	PRIMARY KEY (dossier_code, at, content_hash)
);

CREATE TABLE national_refusals (
	id           BIGSERIAL PRIMARY KEY,
	province     TEXT NOT NULL,
	service      TEXT NOT NULL,
	dossier_code TEXT NOT NULL,
	kind         TEXT NOT NULL,
	message      TEXT NOT NULL,
	record       TEXT NOT NULL,
	at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX national_refusals_province ON national_refusals (province, id);

CREATE TABLE national_counters (
	province TEXT NOT NULL,
	kind     TEXT NOT NULL,
	n        BIGINT NOT NULL,
	PRIMARY KEY (province, kind)
);

CREATE TABLE national_provinces (
	province     TEXT PRIMARY KEY,
	contiguous   BIGINT NOT NULL DEFAULT 0,
	last_sync_at TIMESTAMPTZ
);

CREATE TABLE national_seqs (
	province TEXT NOT NULL,
	seq      BIGINT NOT NULL,
	PRIMARY KEY (province, seq)
);

-- Provincial side: the outbox of records to send to the national hub, filled from dossier_events
-- in the same transaction that advances the cursor (so no event is skipped or sent twice), each
-- row with the province's sequence number (SoThuTu). kind is 'dossier' (a DongBoHoSoMC snapshot
-- built at send time) or 'progress' (the event as a CapNhatTienDoHoSoMC step).
CREATE TABLE national_outbox (
	seq          BIGINT PRIMARY KEY,
	event_id     BIGINT NOT NULL,
	dossier_code TEXT NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('dossier', 'progress')),
	state        TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'refused')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	reason       TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMPTZ NOT NULL,
	sent_at      TIMESTAMPTZ
);
CREATE INDEX national_outbox_state ON national_outbox (state, seq);

CREATE TABLE national_outbox_cursor (
	name            TEXT PRIMARY KEY,
	last_event_id   BIGINT NOT NULL,
	last_success_at TIMESTAMPTZ,
	last_error      TEXT NOT NULL DEFAULT ''
);

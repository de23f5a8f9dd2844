-- The procedure catalogue (danh mục thủ tục hành chính). List-valued attributes (levels and
-- agencies as comma-separated codes; fees and dossier components as JSON arrays) are read and
-- written whole with their procedure, so they live in its row.
CREATE TABLE procedures (
	code            TEXT PRIMARY KEY,
	name            TEXT NOT NULL,
	field_code      TEXT NOT NULL,
	field_name      TEXT NOT NULL,
	levels          TEXT NOT NULL,
	agencies        TEXT NOT NULL,
	processing_days INTEGER NOT NULL CHECK (processing_days >= 0),
	fees            TEXT NOT NULL,
	components      TEXT NOT NULL,
	online_level    TEXT NOT NULL,
	result          TEXT NOT NULL,
	legal_basis     TEXT NOT NULL,
	version         INTEGER NOT NULL,
	updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX procedures_field ON procedures (field_code);

-- A procedure as carried out by one agency; NULL processing_days or fees mean the procedure's.
CREATE TABLE procedure_instances (
	code            TEXT PRIMARY KEY,
	procedure_code  TEXT NOT NULL REFERENCES procedures (code) ON DELETE CASCADE,
	agency_code     TEXT NOT NULL,
	processing_days INTEGER CHECK (processing_days IS NULL OR processing_days >= 0),
	fees            TEXT,
	online          BOOLEAN NOT NULL,
	updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX procedure_instances_procedure ON procedure_instances (procedure_code);
CREATE INDEX procedure_instances_agency ON procedure_instances (agency_code);

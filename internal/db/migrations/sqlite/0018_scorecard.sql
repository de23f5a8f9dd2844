-- The provinces' scorecard: counts folded in from the event tables (dossier_events, axis_deliveries,
-- office_events) by a refresher that tails them by id from a stored cursor, so that reading the
-- scorecard touches these small tables only. Months are YYYY-MM in Asia/Ho_Chi_Minh. The province
-- table is the sum of the agency table, kept beside it (with per-level figures) so that the
-- all-provinces read is a few thousand rows.
CREATE TABLE scorecard_agency (
	province_code TEXT NOT NULL,
	month         TEXT NOT NULL,
	agency_code   TEXT NOT NULL,
	indicator     TEXT NOT NULL,
	value         BIGINT NOT NULL,
	PRIMARY KEY (province_code, month, agency_code, indicator)
);

CREATE TABLE scorecard_province (
	month         TEXT NOT NULL,
	province_code TEXT NOT NULL,
	indicator     TEXT NOT NULL,
	value         BIGINT NOT NULL,
	PRIMARY KEY (month, province_code, indicator)
);

-- One cursor per source table: the last id folded in. It moves in the same transaction as the counts.
CREATE TABLE scorecard_cursors (
	source     TEXT PRIMARY KEY,
	last_id    BIGINT NOT NULL,
	updated_at TIMESTAMP NOT NULL
);

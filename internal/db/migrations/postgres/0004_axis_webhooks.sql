-- Webhooks: a connected system asks to be told at once when its agency's inbox gets a package.
CREATE TABLE axis_webhooks (
	agency_code TEXT PRIMARY KEY,
	url         TEXT NOT NULL,
	secret      TEXT NOT NULL,
	client_id   TEXT NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL
);

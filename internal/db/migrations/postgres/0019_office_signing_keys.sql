-- Leaders' personal signing certificates (Decree 30/2020/NĐ-CP: a leader signs with a personal
-- digital signature, the agency's seal signature follows at issue). The private key itself is kept
-- outside the database by the key store the server passes in; this table holds the certificate,
-- the signature image and whether the certificate was revoked.
CREATE TABLE office_signing_keys (
	login          TEXT PRIMARY KEY,
	agency_code    TEXT NOT NULL,
	subject        TEXT NOT NULL DEFAULT '',
	serial         TEXT NOT NULL DEFAULT '',
	not_before     TIMESTAMPTZ NOT NULL,
	not_after      TIMESTAMPTZ NOT NULL,
	cert_pem       TEXT NOT NULL,
	image_png      TEXT NOT NULL DEFAULT '',
	registered_at  TIMESTAMPTZ NOT NULL,
	registered_by  TEXT NOT NULL,
	revoked_at     TIMESTAMPTZ,
	revoked_by     TEXT NOT NULL DEFAULT '',
	revoked_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX office_signing_keys_agency ON office_signing_keys (agency_code);

-- The outgoing documents whose main PDF carries a digital signature made by the signing hook: the
-- leader's (personal or, without one, the agency's key at the sign step) and, at issue, the seal.
-- The share of issued documents signed is counted from here.
CREATE TABLE office_signed_pdfs (
	outgoing_id  BIGINT PRIMARY KEY REFERENCES office_outgoing (id),
	agency_code  TEXT NOT NULL,
	signer_login TEXT NOT NULL,
	personal     BOOLEAN NOT NULL,
	signed_at    TIMESTAMPTZ NOT NULL,
	sealed_at    TIMESTAMPTZ
);

-- Single sign-on (OpenID Connect) at the national node: the relying-party clients registered with
-- the provider, the provider's signing keys (a new key is rotated in while older ones keep
-- verifying until they expire), and per applicant the stable subject and TOTP second factor.
CREATE TABLE sso_clients (
	client_id          TEXT PRIMARY KEY,
	name               TEXT NOT NULL,
	secret_hash        TEXT NOT NULL DEFAULT '', -- '' = public client (PKCE S256 required)
	redirect_uris      TEXT NOT NULL,            -- one per line
	post_logout_uris   TEXT NOT NULL DEFAULT '', -- one per line
	created_at         TIMESTAMP NOT NULL
);

CREATE TABLE sso_keys (
	key_id       TEXT PRIMARY KEY,
	algorithm    TEXT NOT NULL,
	private_der  TEXT NOT NULL, -- PKCS#8, base64
	created_at   TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP NOT NULL
);

CREATE TABLE sso_accounts (
	user_id          INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	subject          TEXT NOT NULL UNIQUE,
	totp_secret      TEXT NOT NULL DEFAULT '',
	totp_enabled_at  TIMESTAMP
);

-- Online payment platform: bills (with fee lines in integer VND), payments through gateways with an
-- explicit state machine, and every server-to-server notification received, kept by its gateway
-- notification id so that a repeat is recognised and money is never counted twice.
CREATE TABLE payment_bills (
	code            TEXT PRIMARY KEY,
	dossier_code    TEXT NOT NULL DEFAULT '',
	procedure_code  TEXT NOT NULL DEFAULT '',
	agency_code     TEXT NOT NULL,
	payer_name      TEXT NOT NULL,
	payer_id        TEXT NOT NULL DEFAULT '',
	reference       TEXT NOT NULL UNIQUE,
	lines_json      TEXT NOT NULL,
	total           INTEGER NOT NULL CHECK (total > 0),
	paid            INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0),
	status          TEXT NOT NULL CHECK (status IN ('open', 'partly_paid', 'paid', 'cancelled', 'expired')),
	beneficiary     TEXT NOT NULL DEFAULT '',
	treasury        TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMP NOT NULL,
	expires_at      TIMESTAMP NOT NULL,
	version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX payment_bills_dossier ON payment_bills (dossier_code);

CREATE TABLE payment_payments (
	id              TEXT PRIMARY KEY,
	bill_code       TEXT NOT NULL REFERENCES payment_bills (code),
	gateway         TEXT NOT NULL,
	amount          INTEGER NOT NULL CHECK (amount > 0),
	currency        TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('created', 'redirected', 'pending', 'succeeded', 'failed', 'cancelled', 'expired', 'refunded', 'disputed')),
	refunded        INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0),
	gateway_txn     TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT UNIQUE,
	created_at      TIMESTAMP NOT NULL,
	updated_at      TIMESTAMP NOT NULL,
	version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX payment_payments_bill ON payment_payments (bill_code);
CREATE INDEX payment_payments_pending ON payment_payments (status, updated_at);

CREATE TABLE payment_notifications (
	gateway         TEXT NOT NULL,
	notification_id TEXT NOT NULL,
	payment_id      TEXT NOT NULL,
	outcome         TEXT NOT NULL,
	amount          INTEGER NOT NULL,
	received_at     TIMESTAMP NOT NULL,
	PRIMARY KEY (gateway, notification_id)
);

CREATE TABLE payment_refunds (
	id              TEXT PRIMARY KEY,
	payment_id      TEXT NOT NULL REFERENCES payment_payments (id),
	amount          INTEGER NOT NULL CHECK (amount > 0),
	reason          TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT UNIQUE,
	created_at      TIMESTAMP NOT NULL
);

-- Reconciliation worklist: each mismatch between our records and a gateway statement (or treasury
-- credit lines) is one tracked item with an owner and a deadline until someone resolves it. The
-- natural key makes a re-run of the same reconciliation add nothing.
CREATE TABLE payment_recon_items (
	id              TEXT PRIMARY KEY,
	gateway         TEXT NOT NULL,
	kind            TEXT NOT NULL CHECK (kind IN ('missing_here', 'missing_at_gateway', 'amount_differs', 'duplicate')),
	payment_id      TEXT NOT NULL,
	txn_ref         TEXT NOT NULL DEFAULT '',
	gateway_amount  INTEGER NOT NULL DEFAULT 0,
	our_amount      INTEGER NOT NULL DEFAULT 0,
	owner           TEXT NOT NULL,
	due_at          TIMESTAMP NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
	resolution      TEXT NOT NULL DEFAULT '',
	resolved_by     TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMP NOT NULL,
	UNIQUE (gateway, kind, payment_id, txn_ref)
);
CREATE INDEX payment_recon_open ON payment_recon_items (status, due_at);

-- Electronic receipts (biên lai điện tử): one per succeeded payment, numbered without gaps per
-- collecting agency and year (the counter row is taken in the same transaction as the receipt).
CREATE TABLE payment_receipt_counters (
	agency_code     TEXT NOT NULL,
	year            INTEGER NOT NULL,
	last_number     INTEGER NOT NULL,
	PRIMARY KEY (agency_code, year)
);

CREATE TABLE payment_receipts (
	payment_id      TEXT PRIMARY KEY REFERENCES payment_payments (id),
	agency_code     TEXT NOT NULL,
	year            INTEGER NOT NULL,
	number          INTEGER NOT NULL,
	label           TEXT NOT NULL,
	pdf             BLOB NOT NULL,
	issued_at       TIMESTAMP NOT NULL,
	UNIQUE (agency_code, year, number)
);

-- Scorecard figures, kept up to date in the transaction that applies a successful notification
-- (and a refund): number and value of successful payments per province and month (yyyy-mm, ICT).
CREATE TABLE payment_monthly (
	province_code   TEXT NOT NULL,
	month           TEXT NOT NULL,
	payments        INTEGER NOT NULL,
	value           INTEGER NOT NULL,
	PRIMARY KEY (province_code, month)
);

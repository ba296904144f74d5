-- The ledger: double-entry bookkeeping in integer fen (yuan × 100).
--
-- An account's balance is kept in its normal sense (debits minus credits
-- for assets and expenses, credits minus debits for liabilities, equity and
-- income), updated in the same transaction as the postings that change it.
-- held is the part of the balance set aside by open holds; an account marked
-- non_negative never has balance - held below zero, which the ledger checks
-- in its UPDATE and the table checks again here.

CREATE TABLE ledger_accounts (
	id {{ID}},
	code TEXT NOT NULL UNIQUE,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	type TEXT NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense')),
	kind TEXT NOT NULL DEFAULT '',
	owner_org_id BIGINT REFERENCES orgs(id),
	currency TEXT NOT NULL DEFAULT 'CNY' CHECK (length(currency) = 3),
	non_negative BOOLEAN NOT NULL DEFAULT FALSE,
	balance BIGINT NOT NULL DEFAULT 0,
	held BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0),
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (NOT non_negative OR balance - held >= 0)
);
CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_org_id);
CREATE INDEX ledger_accounts_kind ON ledger_accounts (kind, id);

-- A journal entry. The idempotency key is unique: posting the same key
-- again finds this row instead of writing another.
CREATE TABLE ledger_journals (
	id {{ID}},
	idempotency_key TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL,
	ref_entity TEXT NOT NULL DEFAULT '',
	ref_id TEXT NOT NULL DEFAULT '',
	effective_on {{DATE}} NOT NULL,
	actor_user_id BIGINT,
	actor_email TEXT NOT NULL DEFAULT '',
	reverses_id BIGINT REFERENCES ledger_journals(id),
	created_at {{TS}} NOT NULL
);
CREATE INDEX ledger_journals_ref ON ledger_journals (ref_entity, ref_id);
-- A journal is reversed at most once.
CREATE UNIQUE INDEX ledger_journals_reverses ON ledger_journals (reverses_id);

-- Postings: positive amounts are debits, negative ones credits; the
-- postings of a journal sum to zero. effective_on repeats the journal's
-- date so that statements read one index.
CREATE TABLE ledger_postings (
	id {{ID}},
	journal_id BIGINT NOT NULL REFERENCES ledger_journals(id),
	account_id BIGINT NOT NULL REFERENCES ledger_accounts(id),
	amount BIGINT NOT NULL CHECK (amount <> 0),
	effective_on {{DATE}} NOT NULL,
	UNIQUE (journal_id, account_id)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account_id, effective_on, journal_id);

-- Holds set part of an account's balance aside (an approval reserves a
-- budget) until they are released or settled by a journal (the
-- disbursement).
CREATE TABLE ledger_holds (
	id {{ID}},
	idempotency_key TEXT NOT NULL UNIQUE,
	account_id BIGINT NOT NULL REFERENCES ledger_accounts(id),
	amount BIGINT NOT NULL CHECK (amount > 0),
	status TEXT NOT NULL CHECK (status IN ('held', 'released', 'settled')),
	description TEXT NOT NULL DEFAULT '',
	ref_entity TEXT NOT NULL DEFAULT '',
	ref_id TEXT NOT NULL DEFAULT '',
	journal_id BIGINT REFERENCES ledger_journals(id),
	actor_user_id BIGINT,
	actor_email TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	resolved_at {{TS}},
	CHECK ((status = 'settled') = (journal_id IS NOT NULL))
);
CREATE INDEX ledger_holds_account ON ledger_holds (account_id, status);
CREATE INDEX ledger_holds_ref ON ledger_holds (ref_entity, ref_id);

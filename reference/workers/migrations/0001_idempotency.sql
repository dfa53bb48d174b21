-- One row per Idempotency-Key (pk = 'orders#' || sha256 hex of the key).
-- The primary key is what makes a claim atomic: of many concurrent INSERTs for one key,
-- exactly one changes a row.
CREATE TABLE IF NOT EXISTS idempotency (
  pk TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,          -- sha256 hex of the canonical JSON body
  status TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED')),
  claim_id TEXT NOT NULL,             -- which request holds the claim
  response_body TEXT,                 -- the 202 body, replayed byte for byte
  in_progress_until INTEGER NOT NULL, -- ms since epoch; a claim past it may be taken over
  expires_at INTEGER NOT NULL         -- ms since epoch; a record past it counts as absent
);

CREATE INDEX IF NOT EXISTS idempotency_expires_at ON idempotency (expires_at);

CREATE TABLE orders_idempotency (
  pk TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL,
  response TEXT
);

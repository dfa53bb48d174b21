CREATE TABLE IF NOT EXISTS messages (
  invoice_id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  received_at INTEGER NOT NULL
);

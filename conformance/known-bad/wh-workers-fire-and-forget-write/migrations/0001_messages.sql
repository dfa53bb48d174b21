CREATE TABLE IF NOT EXISTS messages (
  message_id TEXT PRIMARY KEY,
  event_type TEXT NOT NULL,
  received_at INTEGER NOT NULL
);

-- One row per Standard Webhooks message id (the webhook-id header), written once.
-- The primary key is what makes a delivery's INSERT atomic: of many concurrent deliveries
-- of one message, exactly one changes a row; the others are duplicates.
CREATE TABLE IF NOT EXISTS messages (
  message_id TEXT PRIMARY KEY,   -- webhook-id, unchanged across retries
  event_type TEXT NOT NULL,      -- the payload's "type"
  received_at INTEGER NOT NULL   -- ms since epoch; rows past the retention are purged by cron
);

CREATE INDEX IF NOT EXISTS messages_received_at ON messages (received_at);

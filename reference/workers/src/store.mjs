// The idempotency records in D1. Every statement is one SQL statement on one row, so each
// is atomic on its own; the primary key on `pk` makes `claim` a compare-and-set: of any
// number of concurrent claims for one key, exactly one changes a row.
export const SQL = {
  claim: `INSERT INTO idempotency (pk, fingerprint, status, claim_id, response_body, in_progress_until, expires_at)
VALUES (?1, ?2, 'IN_PROGRESS', ?3, NULL, ?4, ?5)
ON CONFLICT (pk) DO UPDATE SET
  fingerprint = excluded.fingerprint, status = 'IN_PROGRESS', claim_id = excluded.claim_id,
  response_body = NULL, in_progress_until = excluded.in_progress_until, expires_at = excluded.expires_at
WHERE (idempotency.status = 'IN_PROGRESS' AND idempotency.in_progress_until < ?6) OR idempotency.expires_at < ?6`,
  get: 'SELECT fingerprint, status, response_body FROM idempotency WHERE pk = ?1 AND expires_at >= ?2',
  complete: `UPDATE idempotency SET status = 'COMPLETED', response_body = ?4
WHERE pk = ?1 AND fingerprint = ?2 AND claim_id = ?3 AND status = 'IN_PROGRESS'`,
  release: `DELETE FROM idempotency WHERE pk = ?1 AND claim_id = ?2 AND status = 'IN_PROGRESS'`,
};

export const RECORD_TTL_MS = 24 * 60 * 60 * 1000;

export class ClaimLost extends Error {
  name = 'ClaimLost';
}

export function d1Store(db, now = Date.now) {
  return {
    // true when this request now holds the key: a new key, an abandoned claim whose lease
    // ran out, or a record past its TTL.
    async claim(pk, fingerprint, claimId, leaseMs) {
      const t = now();
      const result = await db.prepare(SQL.claim).bind(pk, fingerprint, claimId, t + leaseMs, t + RECORD_TTL_MS, t).run();
      return result.meta.changes === 1;
    },
    async get(pk) {
      return db.prepare(SQL.get).bind(pk, now()).first();
    },
    async complete(pk, fingerprint, claimId, responseBody) {
      const result = await db.prepare(SQL.complete).bind(pk, fingerprint, claimId, responseBody).run();
      if (result.meta.changes !== 1) throw new ClaimLost('the claim was taken over before completion');
    },
    async release(pk, claimId) {
      try {
        await db.prepare(SQL.release).bind(pk, claimId).run();
      } catch {
        // Not ours any more, or D1 is down: the lease runs out by itself either way.
      }
    },
  };
}

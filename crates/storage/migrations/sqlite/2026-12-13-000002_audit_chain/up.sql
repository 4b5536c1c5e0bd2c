-- The audit log's hash chain: each entry gets its position and the SM3 hash
-- linking it to the entry before, in the transaction that wrote it (see
-- storage/src/audit_chain.rs). Entries written before this version are
-- sealed by the first write after it.
ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN chain_hash TEXT;
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log(chain_seq);
CREATE INDEX audit_log_unsealed ON audit_log(id) WHERE chain_seq IS NULL;

-- Still append-only: the one update allowed gives an unsealed entry its
-- place in the chain, and changes nothing else.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.chain_seq IS NOT NULL OR OLD.chain_hash IS NOT NULL
  OR NEW.chain_seq IS NULL OR NEW.chain_hash IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
  OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_username IS NOT OLD.actor_username
  OR NEW.union_id IS NOT OLD.union_id OR NEW.union_path IS NOT OLD.union_path
  OR NEW.action IS NOT OLD.action OR NEW.object_kind IS NOT OLD.object_kind
  OR NEW.object_id IS NOT OLD.object_id OR NEW.before_json IS NOT OLD.before_json
  OR NEW.after_json IS NOT OLD.after_json OR NEW.ip IS NOT OLD.ip
  OR NEW.success IS NOT OLD.success
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

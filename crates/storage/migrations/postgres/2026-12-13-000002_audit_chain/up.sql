-- The audit log's hash chain: each entry gets its position and the SM3 hash
-- linking it to the entry before, in the transaction that wrote it (see
-- storage/src/audit_chain.rs). Entries written before this version are
-- sealed by the first write after it.
ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN chain_hash TEXT;
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log(chain_seq);
CREATE INDEX audit_log_unsealed ON audit_log(id) WHERE chain_seq IS NULL;

-- Still append-only: the one update allowed gives an unsealed entry its
-- place in the chain, and changes nothing else. TRUNCATE (a statement
-- trigger on the same function) and DELETE are refused as before.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL
       AND NEW.chain_seq IS NOT NULL AND NEW.chain_hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_username, NEW.union_id,
            NEW.union_path, NEW.action, NEW.object_kind, NEW.object_id,
            NEW.before_json, NEW.after_json, NEW.ip, NEW.success)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.actor_username, OLD.union_id,
            OLD.union_path, OLD.action, OLD.object_kind, OLD.object_id,
            OLD.before_json, OLD.after_json, OLD.ip, OLD.success)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END $$;

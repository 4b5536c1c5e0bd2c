-- Tallies: the panel's and the targets' figures kept as they happen, so a
-- union's figures read a few hundred rows at any date however many
-- households lie beneath it. (The SQLite migration of the same name says
-- the same with triggers of SQLite's kind.)
--
-- union_ancestors: every union with itself and each union above it.
CREATE TABLE union_ancestors (
    union_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    PRIMARY KEY (union_id, ancestor_id)
);
CREATE INDEX union_ancestors_ancestor ON union_ancestors (ancestor_id);

WITH RECURSIVE up (union_id, ancestor_id) AS (
    SELECT id, id FROM unions
    UNION ALL
    SELECT up.union_id, u.parent_id FROM up JOIN unions u ON u.id = up.ancestor_id
    WHERE u.parent_id IS NOT NULL
)
INSERT INTO union_ancestors (union_id, ancestor_id) SELECT union_id, ancestor_id FROM up;

CREATE FUNCTION union_ancestors_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO union_ancestors (union_id, ancestor_id)
        SELECT NEW.id, ancestor_id FROM union_ancestors WHERE union_id = NEW.parent_id;
    INSERT INTO union_ancestors (union_id, ancestor_id) VALUES (NEW.id, NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER union_ancestors_insert AFTER INSERT ON unions
    FOR EACH ROW EXECUTE FUNCTION union_ancestors_insert();

-- tallies: what happened to the subtree of `union_id` on a day (grain 'd'),
-- in a month (grain 'm', `period` its first day) or in a year (grain 'y',
-- `period` 1 January), as changes: "as of D" is the sum of the years before
-- D's year, of D's year's months before D's month and of D's month's days
-- up to D. The measures and their keys:
--   on_file   tier|category|cohort  spans opened (+) and closed (-)
--   accepted  tier                  the same, of files accepted at that tier
--   filed     cohort                files made (not reopenings), at filed_on
--   reopened  cohort                reopened files, at filed_on
--   decided   kind|pathway|reason|cohort  approved decisions (+) and
--             revocations (-, with the revoked decision's key)
--   raised    ''                    receipts (+) and their reversals (-), fen in amount
--   given     ''                    assistance given (+) and reversed (-):
--                                   n 户次, persons 人次, amount cash, goods value
CREATE TABLE tallies (
    union_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    grain TEXT NOT NULL,
    period DATE NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    persons BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    goods BIGINT NOT NULL,
    PRIMARY KEY (union_id, measure, grain, period, key)
);

-- One change lands on the union and every union above it, by day, month
-- and year.
CREATE FUNCTION tally(u BIGINT, m TEXT, d DATE, k TEXT, dn BIGINT, dp BIGINT, da BIGINT, dg BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF d IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO tallies (union_id, measure, grain, period, key, n, persons, amount, goods)
        SELECT a.ancestor_id, m, g.grain,
               CASE g.grain WHEN 'd' THEN d WHEN 'm' THEN CAST(date_trunc('month', d) AS DATE)
                            ELSE CAST(date_trunc('year', d) AS DATE) END,
               k, dn, dp, da, dg
        FROM union_ancestors a CROSS JOIN (VALUES ('d'), ('m'), ('y')) AS g (grain)
        WHERE a.union_id = u
        ORDER BY 1, 3
        ON CONFLICT (union_id, measure, grain, period, key) DO UPDATE SET
            n = tallies.n + excluded.n, persons = tallies.persons + excluded.persons,
            amount = tallies.amount + excluded.amount, goods = tallies.goods + excluded.goods;
END $$;

-- file_spans: on_file and accepted.
CREATE FUNCTION file_span_tally(s file_spans, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    k TEXT := s.tier || '|' || s.category || '|' || s.cohort;
BEGIN
    PERFORM tally(s.union_id, 'on_file', s.from_on, k, sign, sign * s.persons, 0, 0);
    PERFORM tally(s.union_id, 'on_file', s.until_on, k, -sign, -sign * s.persons, 0, 0);
    IF EXISTS (SELECT 1 FROM households h WHERE h.id = s.household_id
               AND h.report_state = 'accepted' AND h.report_tier = s.tier) THEN
        PERFORM tally(s.union_id, 'accepted', s.from_on, s.tier, sign, sign * s.persons, 0, 0);
        PERFORM tally(s.union_id, 'accepted', s.until_on, s.tier, -sign, -sign * s.persons, 0, 0);
    END IF;
END $$;

CREATE FUNCTION file_spans_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM file_span_tally(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM file_span_tally(NEW, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER file_spans_tally AFTER INSERT OR UPDATE OR DELETE ON file_spans
    FOR EACH ROW EXECUTE FUNCTION file_spans_tally();

-- households: filed and reopened; accepted when the report state changes.
CREATE FUNCTION households_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s file_spans;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.union_id IS DISTINCT FROM NEW.union_id
            OR OLD.filed_on IS DISTINCT FROM NEW.filed_on OR OLD.cohort IS DISTINCT FROM NEW.cohort
            OR (OLD.previous_id IS NULL) <> (NEW.previous_id IS NULL)) THEN
        PERFORM tally(OLD.union_id, CASE WHEN OLD.previous_id IS NULL THEN 'filed' ELSE 'reopened' END,
                      OLD.filed_on, OLD.cohort, -1, 0, 0, 0);
        PERFORM tally(NEW.union_id, CASE WHEN NEW.previous_id IS NULL THEN 'filed' ELSE 'reopened' END,
                      NEW.filed_on, NEW.cohort, 1, 0, 0, 0);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM tally(NEW.union_id, CASE WHEN NEW.previous_id IS NULL THEN 'filed' ELSE 'reopened' END,
                      NEW.filed_on, NEW.cohort, 1, 0, 0, 0);
    END IF;
    IF TG_OP = 'UPDATE' AND ((OLD.report_state = 'accepted') <> (NEW.report_state = 'accepted')
            OR OLD.report_tier IS DISTINCT FROM NEW.report_tier) THEN
        FOR s IN SELECT * FROM file_spans WHERE household_id = NEW.id LOOP
            IF OLD.report_state = 'accepted' AND s.tier = OLD.report_tier THEN
                PERFORM tally(s.union_id, 'accepted', s.from_on, s.tier, -1, -s.persons, 0, 0);
                PERFORM tally(s.union_id, 'accepted', s.until_on, s.tier, 1, s.persons, 0, 0);
            END IF;
            IF NEW.report_state = 'accepted' AND s.tier = NEW.report_tier THEN
                PERFORM tally(s.union_id, 'accepted', s.from_on, s.tier, 1, s.persons, 0, 0);
                PERFORM tally(s.union_id, 'accepted', s.until_on, s.tier, -1, -s.persons, 0, 0);
            END IF;
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER households_tally AFTER INSERT OR UPDATE OF union_id, filed_on, cohort, previous_id, report_state, report_tier
    ON households FOR EACH ROW EXECUTE FUNCTION households_tally();

-- exits: decided, net of revocations (at the revocation's date, with the
-- revoked decision's key).
CREATE FUNCTION exit_tally(e exits, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    o exits;
BEGIN
    IF e.status <> 'approved' THEN
        RETURN;
    END IF;
    IF e.kind = 'revoke' THEN
        SELECT * INTO o FROM exits WHERE id = e.revokes_id;
        IF FOUND THEN
            PERFORM tally(e.union_id, 'decided', e.decided_on,
                          o.kind || '|' || COALESCE(o.pathway, '') || '|' || COALESCE(o.reason, '') || '|' || o.cohort,
                          -sign, 0, 0, 0);
        END IF;
    ELSE
        PERFORM tally(e.union_id, 'decided', e.decided_on,
                      e.kind || '|' || COALESCE(e.pathway, '') || '|' || COALESCE(e.reason, '') || '|' || e.cohort,
                      sign, 0, 0, 0);
    END IF;
END $$;

CREATE FUNCTION exits_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM exit_tally(OLD, -1);
    END IF;
    PERFORM exit_tally(NEW, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER exits_tally AFTER INSERT OR UPDATE OF union_id, kind, pathway, reason, cohort, status, decided_on, revokes_id
    ON exits FOR EACH ROW EXECUTE FUNCTION exits_tally();

-- fund_transfers: raised (receipts, less their reversals); and the date
-- a payment of assistance was reversed (its reversal posting's).
CREATE FUNCTION fund_transfer_tally(t fund_transfers, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    a assistance;
BEGIN
    IF t.kind = 'receipt' THEN
        PERFORM tally(t.union_id, 'raised', t.on_date, '', sign, 0, sign * t.amount, 0);
    ELSIF t.kind = 'reversal' THEN
        IF EXISTS (SELECT 1 FROM fund_transfers o WHERE o.id = t.reverses_id AND o.kind = 'receipt') THEN
            PERFORM tally(t.union_id, 'raised', t.on_date, '', -sign, 0, -sign * t.amount, 0);
        END IF;
        SELECT * INTO a FROM assistance WHERE id = t.assistance_id
            AND transfer_id = t.reverses_id AND status = 'reversed';
        IF FOUND THEN
            PERFORM tally(a.union_id, 'given', t.on_date, '', -sign, -sign * a.persons,
                          -sign * a.cash, -sign * a.goods_value);
        END IF;
    END IF;
END $$;

CREATE FUNCTION fund_transfers_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM fund_transfer_tally(OLD, -1);
    END IF;
    PERFORM fund_transfer_tally(NEW, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER fund_transfers_tally AFTER INSERT OR UPDATE OF union_id, kind, on_date, amount, reverses_id, assistance_id
    ON fund_transfers FOR EACH ROW EXECUTE FUNCTION fund_transfers_tally();

-- assistance: given, less what was reversed at the reversal's date: its
-- reversal posting's (counted from here or from the posting, whichever is
-- written second), or for goods without money the China date it was
-- marked reversed.
CREATE FUNCTION assistance_given_tally(a assistance, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF a.status NOT IN ('given', 'reversed') THEN
        RETURN;
    END IF;
    PERFORM tally(a.union_id, 'given', a.given_on, '', sign, sign * a.persons, sign * a.cash, sign * a.goods_value);
    IF a.status = 'reversed' THEN
        PERFORM tally(a.union_id, 'given',
                      COALESCE((SELECT t.on_date FROM fund_transfers t
                                WHERE t.reverses_id = a.transfer_id AND t.kind = 'reversal'),
                               CASE WHEN a.transfer_id IS NULL
                                    THEN CAST(a.updated_at + INTERVAL '8 hours' AS DATE) END),
                      '', -sign, -sign * a.persons, -sign * a.cash, -sign * a.goods_value);
    END IF;
END $$;

CREATE FUNCTION assistance_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM assistance_given_tally(OLD, -1);
    END IF;
    PERFORM assistance_given_tally(NEW, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER assistance_tally AFTER INSERT OR UPDATE OF union_id, given_on, persons, cash, goods_value, status, transfer_id
    ON assistance FOR EACH ROW EXECUTE FUNCTION assistance_tally();

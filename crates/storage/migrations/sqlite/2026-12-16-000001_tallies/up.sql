-- Tallies: the panel's and the targets' figures kept as they happen, so a
-- union's figures read a few hundred rows at any date however many
-- households lie beneath it.
--
-- union_ancestors: every union with itself and each union above it.
CREATE TABLE union_ancestors (
    union_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    PRIMARY KEY (union_id, ancestor_id)
) WITHOUT ROWID;
CREATE INDEX union_ancestors_ancestor ON union_ancestors (ancestor_id);

WITH RECURSIVE up (union_id, ancestor_id) AS (
    SELECT id, id FROM unions
    UNION ALL
    SELECT up.union_id, u.parent_id FROM up JOIN unions u ON u.id = up.ancestor_id
    WHERE u.parent_id IS NOT NULL
)
INSERT INTO union_ancestors (union_id, ancestor_id) SELECT union_id, ancestor_id FROM up;

CREATE TRIGGER union_ancestors_insert AFTER INSERT ON unions BEGIN
    INSERT INTO union_ancestors (union_id, ancestor_id)
        SELECT NEW.id, ancestor_id FROM union_ancestors WHERE union_id = NEW.parent_id;
    INSERT INTO union_ancestors (union_id, ancestor_id) VALUES (NEW.id, NEW.id);
END;

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
) WITHOUT ROWID;

-- One change, inserted here by the triggers below, lands on the union and
-- every union above it, by day, month and year.
CREATE VIEW tally_events AS
    SELECT union_id, measure, period AS day, key, n, persons, amount, goods FROM tallies WHERE 0;

CREATE TRIGGER tally_events_insert INSTEAD OF INSERT ON tally_events BEGIN
    INSERT INTO tallies (union_id, measure, grain, period, key, n, persons, amount, goods)
        SELECT a.ancestor_id, NEW.measure, g.grain,
               CASE g.grain WHEN 'd' THEN NEW.day WHEN 'm' THEN date(NEW.day, 'start of month')
                            ELSE date(NEW.day, 'start of year') END,
               NEW.key, NEW.n, NEW.persons, NEW.amount, NEW.goods
        FROM union_ancestors a
        CROSS JOIN (SELECT 'd' AS grain UNION ALL SELECT 'm' UNION ALL SELECT 'y') g
        WHERE a.union_id = NEW.union_id AND NEW.day IS NOT NULL
        ON CONFLICT (union_id, measure, grain, period, key) DO UPDATE SET
            n = n + excluded.n, persons = persons + excluded.persons,
            amount = amount + excluded.amount, goods = goods + excluded.goods;
END;

-- file_spans: on_file and accepted.
CREATE TRIGGER file_spans_tally_insert AFTER INSERT ON file_spans BEGIN
    INSERT INTO tally_events
        SELECT NEW.union_id, 'on_file', NEW.from_on, NEW.tier || '|' || NEW.category || '|' || NEW.cohort, 1, NEW.persons, 0, 0
        UNION ALL
        SELECT NEW.union_id, 'on_file', NEW.until_on, NEW.tier || '|' || NEW.category || '|' || NEW.cohort, -1, -NEW.persons, 0, 0
        WHERE NEW.until_on IS NOT NULL;
    INSERT INTO tally_events
        SELECT NEW.union_id, 'accepted', NEW.from_on, NEW.tier, 1, NEW.persons, 0, 0
        FROM households h WHERE h.id = NEW.household_id AND h.report_state = 'accepted' AND h.report_tier = NEW.tier
        UNION ALL
        SELECT NEW.union_id, 'accepted', NEW.until_on, NEW.tier, -1, -NEW.persons, 0, 0
        FROM households h WHERE h.id = NEW.household_id AND h.report_state = 'accepted' AND h.report_tier = NEW.tier
            AND NEW.until_on IS NOT NULL;
END;

CREATE TRIGGER file_spans_tally_delete AFTER DELETE ON file_spans BEGIN
    INSERT INTO tally_events
        SELECT OLD.union_id, 'on_file', OLD.from_on, OLD.tier || '|' || OLD.category || '|' || OLD.cohort, -1, -OLD.persons, 0, 0
        UNION ALL
        SELECT OLD.union_id, 'on_file', OLD.until_on, OLD.tier || '|' || OLD.category || '|' || OLD.cohort, 1, OLD.persons, 0, 0
        WHERE OLD.until_on IS NOT NULL;
    INSERT INTO tally_events
        SELECT OLD.union_id, 'accepted', OLD.from_on, OLD.tier, -1, -OLD.persons, 0, 0
        FROM households h WHERE h.id = OLD.household_id AND h.report_state = 'accepted' AND h.report_tier = OLD.tier
        UNION ALL
        SELECT OLD.union_id, 'accepted', OLD.until_on, OLD.tier, 1, OLD.persons, 0, 0
        FROM households h WHERE h.id = OLD.household_id AND h.report_state = 'accepted' AND h.report_tier = OLD.tier
            AND OLD.until_on IS NOT NULL;
END;

CREATE TRIGGER file_spans_tally_update AFTER UPDATE ON file_spans BEGIN
    INSERT INTO tally_events
        SELECT OLD.union_id, 'on_file', OLD.from_on, OLD.tier || '|' || OLD.category || '|' || OLD.cohort, -1, -OLD.persons, 0, 0
        UNION ALL
        SELECT OLD.union_id, 'on_file', OLD.until_on, OLD.tier || '|' || OLD.category || '|' || OLD.cohort, 1, OLD.persons, 0, 0
        WHERE OLD.until_on IS NOT NULL;
    INSERT INTO tally_events
        SELECT OLD.union_id, 'accepted', OLD.from_on, OLD.tier, -1, -OLD.persons, 0, 0
        FROM households h WHERE h.id = OLD.household_id AND h.report_state = 'accepted' AND h.report_tier = OLD.tier
        UNION ALL
        SELECT OLD.union_id, 'accepted', OLD.until_on, OLD.tier, 1, OLD.persons, 0, 0
        FROM households h WHERE h.id = OLD.household_id AND h.report_state = 'accepted' AND h.report_tier = OLD.tier
            AND OLD.until_on IS NOT NULL;
    INSERT INTO tally_events
        SELECT NEW.union_id, 'on_file', NEW.from_on, NEW.tier || '|' || NEW.category || '|' || NEW.cohort, 1, NEW.persons, 0, 0
        UNION ALL
        SELECT NEW.union_id, 'on_file', NEW.until_on, NEW.tier || '|' || NEW.category || '|' || NEW.cohort, -1, -NEW.persons, 0, 0
        WHERE NEW.until_on IS NOT NULL;
    INSERT INTO tally_events
        SELECT NEW.union_id, 'accepted', NEW.from_on, NEW.tier, 1, NEW.persons, 0, 0
        FROM households h WHERE h.id = NEW.household_id AND h.report_state = 'accepted' AND h.report_tier = NEW.tier
        UNION ALL
        SELECT NEW.union_id, 'accepted', NEW.until_on, NEW.tier, -1, -NEW.persons, 0, 0
        FROM households h WHERE h.id = NEW.household_id AND h.report_state = 'accepted' AND h.report_tier = NEW.tier
            AND NEW.until_on IS NOT NULL;
END;

-- households: filed and reopened; accepted when the report state changes.
CREATE TRIGGER households_tally_insert AFTER INSERT ON households BEGIN
    INSERT INTO tally_events
        SELECT NEW.union_id, CASE WHEN NEW.previous_id IS NULL THEN 'filed' ELSE 'reopened' END,
               NEW.filed_on, NEW.cohort, 1, 0, 0, 0;
END;

CREATE TRIGGER households_tally_update AFTER UPDATE OF union_id, filed_on, cohort, previous_id ON households
WHEN OLD.union_id IS NOT NEW.union_id OR OLD.filed_on IS NOT NEW.filed_on
    OR OLD.cohort IS NOT NEW.cohort OR (OLD.previous_id IS NULL) IS NOT (NEW.previous_id IS NULL)
BEGIN
    INSERT INTO tally_events
        SELECT OLD.union_id, CASE WHEN OLD.previous_id IS NULL THEN 'filed' ELSE 'reopened' END,
               OLD.filed_on, OLD.cohort, -1, 0, 0, 0
        UNION ALL
        SELECT NEW.union_id, CASE WHEN NEW.previous_id IS NULL THEN 'filed' ELSE 'reopened' END,
               NEW.filed_on, NEW.cohort, 1, 0, 0, 0;
END;

CREATE TRIGGER households_tally_report AFTER UPDATE OF report_state, report_tier ON households
WHEN (OLD.report_state = 'accepted') IS NOT (NEW.report_state = 'accepted')
    OR OLD.report_tier IS NOT NEW.report_tier
BEGIN
    INSERT INTO tally_events
        SELECT s.union_id, 'accepted', s.from_on, s.tier, -1, -s.persons, 0, 0
        FROM file_spans s WHERE s.household_id = OLD.id AND OLD.report_state = 'accepted' AND s.tier = OLD.report_tier
        UNION ALL
        SELECT s.union_id, 'accepted', s.until_on, s.tier, 1, s.persons, 0, 0
        FROM file_spans s WHERE s.household_id = OLD.id AND OLD.report_state = 'accepted' AND s.tier = OLD.report_tier
            AND s.until_on IS NOT NULL
        UNION ALL
        SELECT s.union_id, 'accepted', s.from_on, s.tier, 1, s.persons, 0, 0
        FROM file_spans s WHERE s.household_id = NEW.id AND NEW.report_state = 'accepted' AND s.tier = NEW.report_tier
        UNION ALL
        SELECT s.union_id, 'accepted', s.until_on, s.tier, -1, -s.persons, 0, 0
        FROM file_spans s WHERE s.household_id = NEW.id AND NEW.report_state = 'accepted' AND s.tier = NEW.report_tier
            AND s.until_on IS NOT NULL;
END;

-- exits: decided, net of revocations (at the revocation's date, with the
-- revoked decision's key).
CREATE TRIGGER exits_tally_insert AFTER INSERT ON exits WHEN NEW.status = 'approved' BEGIN
    INSERT INTO tally_events
        SELECT NEW.union_id, 'decided', NEW.decided_on,
               NEW.kind || '|' || COALESCE(NEW.pathway, '') || '|' || COALESCE(NEW.reason, '') || '|' || NEW.cohort, 1, 0, 0, 0
        WHERE NEW.kind <> 'revoke'
        UNION ALL
        SELECT NEW.union_id, 'decided', NEW.decided_on,
               o.kind || '|' || COALESCE(o.pathway, '') || '|' || COALESCE(o.reason, '') || '|' || o.cohort, -1, 0, 0, 0
        FROM exits o WHERE NEW.kind = 'revoke' AND o.id = NEW.revokes_id;
END;

CREATE TRIGGER exits_tally_update AFTER UPDATE OF union_id, kind, pathway, reason, cohort, status, decided_on, revokes_id ON exits
WHEN OLD.status = 'approved' OR NEW.status = 'approved'
BEGIN
    INSERT INTO tally_events
        SELECT OLD.union_id, 'decided', OLD.decided_on,
               OLD.kind || '|' || COALESCE(OLD.pathway, '') || '|' || COALESCE(OLD.reason, '') || '|' || OLD.cohort, -1, 0, 0, 0
        WHERE OLD.status = 'approved' AND OLD.kind <> 'revoke'
        UNION ALL
        SELECT OLD.union_id, 'decided', OLD.decided_on,
               o.kind || '|' || COALESCE(o.pathway, '') || '|' || COALESCE(o.reason, '') || '|' || o.cohort, 1, 0, 0, 0
        FROM exits o WHERE OLD.status = 'approved' AND OLD.kind = 'revoke' AND o.id = OLD.revokes_id
        UNION ALL
        SELECT NEW.union_id, 'decided', NEW.decided_on,
               NEW.kind || '|' || COALESCE(NEW.pathway, '') || '|' || COALESCE(NEW.reason, '') || '|' || NEW.cohort, 1, 0, 0, 0
        WHERE NEW.status = 'approved' AND NEW.kind <> 'revoke'
        UNION ALL
        SELECT NEW.union_id, 'decided', NEW.decided_on,
               o.kind || '|' || COALESCE(o.pathway, '') || '|' || COALESCE(o.reason, '') || '|' || o.cohort, -1, 0, 0, 0
        FROM exits o WHERE NEW.status = 'approved' AND NEW.kind = 'revoke' AND o.id = NEW.revokes_id;
END;

-- fund_transfers: raised (receipts, less their reversals); and the date
-- a payment of assistance was reversed (its reversal posting's).
CREATE TRIGGER fund_transfers_tally_insert AFTER INSERT ON fund_transfers
WHEN NEW.kind IN ('receipt', 'reversal')
BEGIN
    INSERT INTO tally_events
        SELECT NEW.union_id, 'raised', NEW.on_date, '', 1, 0, NEW.amount, 0
        WHERE NEW.kind = 'receipt'
        UNION ALL
        SELECT NEW.union_id, 'raised', NEW.on_date, '', -1, 0, -NEW.amount, 0
        FROM fund_transfers o WHERE NEW.kind = 'reversal' AND o.id = NEW.reverses_id AND o.kind = 'receipt'
        UNION ALL
        SELECT a.union_id, 'given', NEW.on_date, '', -1, -a.persons, -a.cash, -a.goods_value
        FROM assistance a WHERE NEW.kind = 'reversal' AND a.id = NEW.assistance_id
            AND a.transfer_id = NEW.reverses_id AND a.status = 'reversed';
END;

CREATE TRIGGER fund_transfers_tally_update AFTER UPDATE OF union_id, kind, on_date, amount, reverses_id, assistance_id ON fund_transfers
WHEN OLD.kind IN ('receipt', 'reversal') OR NEW.kind IN ('receipt', 'reversal')
BEGIN
    INSERT INTO tally_events
        SELECT OLD.union_id, 'raised', OLD.on_date, '', -1, 0, -OLD.amount, 0
        WHERE OLD.kind = 'receipt'
        UNION ALL
        SELECT OLD.union_id, 'raised', OLD.on_date, '', 1, 0, OLD.amount, 0
        FROM fund_transfers o WHERE OLD.kind = 'reversal' AND o.id = OLD.reverses_id AND o.kind = 'receipt'
        UNION ALL
        SELECT a.union_id, 'given', OLD.on_date, '', 1, a.persons, a.cash, a.goods_value
        FROM assistance a WHERE OLD.kind = 'reversal' AND a.id = OLD.assistance_id
            AND a.transfer_id = OLD.reverses_id AND a.status = 'reversed'
        UNION ALL
        SELECT NEW.union_id, 'raised', NEW.on_date, '', 1, 0, NEW.amount, 0
        WHERE NEW.kind = 'receipt'
        UNION ALL
        SELECT NEW.union_id, 'raised', NEW.on_date, '', -1, 0, -NEW.amount, 0
        FROM fund_transfers o WHERE NEW.kind = 'reversal' AND o.id = NEW.reverses_id AND o.kind = 'receipt'
        UNION ALL
        SELECT a.union_id, 'given', NEW.on_date, '', -1, -a.persons, -a.cash, -a.goods_value
        FROM assistance a WHERE NEW.kind = 'reversal' AND a.id = NEW.assistance_id
            AND a.transfer_id = NEW.reverses_id AND a.status = 'reversed';
END;

-- assistance: given, less what was reversed at the reversal's date: its
-- reversal posting's (counted from here or from the posting, whichever is
-- written second), or for goods without money the China date it was
-- marked reversed.
CREATE TRIGGER assistance_tally_insert AFTER INSERT ON assistance
WHEN NEW.status IN ('given', 'reversed')
BEGIN
    INSERT INTO tally_events
        SELECT NEW.union_id, 'given', NEW.given_on, '', 1, NEW.persons, NEW.cash, NEW.goods_value
        WHERE NEW.status IN ('given', 'reversed')
        UNION ALL
        SELECT NEW.union_id, 'given',
               COALESCE((SELECT t.on_date FROM fund_transfers t WHERE t.reverses_id = NEW.transfer_id AND t.kind = 'reversal'),
                        CASE WHEN NEW.transfer_id IS NULL THEN date(NEW.updated_at, '+8 hours') END),
               '', -1, -NEW.persons, -NEW.cash, -NEW.goods_value
        WHERE NEW.status = 'reversed';
END;

CREATE TRIGGER assistance_tally_update AFTER UPDATE OF union_id, given_on, persons, cash, goods_value, status, transfer_id ON assistance
WHEN OLD.status IN ('given', 'reversed') OR NEW.status IN ('given', 'reversed')
BEGIN
    INSERT INTO tally_events
        SELECT OLD.union_id, 'given', OLD.given_on, '', -1, -OLD.persons, -OLD.cash, -OLD.goods_value
        WHERE OLD.status IN ('given', 'reversed')
        UNION ALL
        SELECT OLD.union_id, 'given',
               COALESCE((SELECT t.on_date FROM fund_transfers t WHERE t.reverses_id = OLD.transfer_id AND t.kind = 'reversal'),
                        CASE WHEN OLD.transfer_id IS NULL THEN date(OLD.updated_at, '+8 hours') END),
               '', 1, OLD.persons, OLD.cash, OLD.goods_value
        WHERE OLD.status = 'reversed'
        UNION ALL
        SELECT NEW.union_id, 'given', NEW.given_on, '', 1, NEW.persons, NEW.cash, NEW.goods_value
        WHERE NEW.status IN ('given', 'reversed')
        UNION ALL
        SELECT NEW.union_id, 'given',
               COALESCE((SELECT t.on_date FROM fund_transfers t WHERE t.reverses_id = NEW.transfer_id AND t.kind = 'reversal'),
                        CASE WHEN NEW.transfer_id IS NULL THEN date(NEW.updated_at, '+8 hours') END),
               '', -1, -NEW.persons, -NEW.cash, -NEW.goods_value
        WHERE NEW.status = 'reversed';
END;

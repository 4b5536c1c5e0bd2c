-- 专项行动 (campaigns, docs/rules.md §8.2): 回头看 (look-back) and 户户清
-- (every household cleared). Keep in step with ../../postgres/2026-12-11-000001_campaigns/up.sql.

-- A campaign a union (county level or above) starts over its subtree.
CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'look_back', 'clear_all'
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    union_id    BIGINT NOT NULL REFERENCES unions(id),
    union_path  TEXT NOT NULL,
    deadline    DATE NOT NULL,
    -- 户户清: the items in order, one a line; '' for a look-back.
    items       TEXT NOT NULL,
    -- 'running', 'closed'
    status      TEXT NOT NULL,
    -- How many tasks it was started with (one per household on file then).
    task_count  BIGINT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL,
    closed_by   BIGINT REFERENCES users(id),
    closed_at   TIMESTAMP,
    version     BIGINT NOT NULL
);
CREATE INDEX campaigns_scope ON campaigns(union_path, id);

-- One task per household on file in the subtree when the campaign started,
-- written by one INSERT … SELECT. Never deleted: a household that leaves
-- the file keeps its task.
CREATE TABLE campaign_tasks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id     BIGINT NOT NULL REFERENCES campaigns(id),
    household_id    BIGINT NOT NULL REFERENCES households(id),
    union_id        BIGINT NOT NULL,
    union_path      TEXT NOT NULL,
    -- The household's responsible person when the campaign started.
    responsible_id  BIGINT,
    -- NULL while open; 'keep', 'correct', 'remove' (look-back), 'cleared' (户户清)
    outcome         TEXT,
    note            TEXT NOT NULL,
    -- 'remove': the removal decision proposed through the exits flow.
    exit_id         BIGINT,
    -- The latest home visit recorded for the household since the start.
    visit_id        BIGINT,
    done_at         TIMESTAMP,
    done_by         BIGINT,
    version         BIGINT NOT NULL
);
CREATE INDEX campaign_tasks_scope ON campaign_tasks(campaign_id, union_path);
CREATE INDEX campaign_tasks_household ON campaign_tasks(household_id);

-- 户户清: an item of a task cleared, with its note (a row only once cleared).
CREATE TABLE campaign_clearances (
    task_id     BIGINT NOT NULL REFERENCES campaign_tasks(id),
    -- The item's position in the campaign's list, from 0.
    item        INTEGER NOT NULL,
    note        TEXT NOT NULL,
    cleared_by  BIGINT NOT NULL,
    cleared_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (task_id, item)
);

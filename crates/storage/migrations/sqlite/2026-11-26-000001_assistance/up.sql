-- Assistance and funds (docs/rules.md §6–§7): catalogues, pairing, plans and
-- measures, visits, assistance given, regular subsidies, the fund ledger,
-- fund-audit findings and referrals to departments. Keep in step with
-- ../../postgres/2026-11-26-000001_assistance/up.sql.

-- Catalogues an administrator edits: tracks (四个一批), programmes
-- (十大行动计划), kinds of assistance, the six guarantee lines (六条保障线)
-- and departments. Codes are fixed once used; labels and order may change,
-- and an entry no longer offered is deactivated, never deleted.
CREATE TABLE dictionary (
    kind     TEXT NOT NULL,
    code     TEXT NOT NULL,
    label    TEXT NOT NULL,
    position INTEGER NOT NULL,
    active   BOOLEAN NOT NULL,
    PRIMARY KEY (kind, code)
);
INSERT INTO dictionary (kind, code, label, position, active) VALUES
 ('track', 'employment', '就业创业帮扶一批', 1, TRUE),
 ('track', 'insurance', '社会保险覆盖一批', 2, TRUE),
 ('track', 'medical', '大病保险和医疗互助保障一批', 3, TRUE),
 ('track', 'safety_net', '社会救助兜底一批', 4, TRUE),
 ('programme', 'skills', '技能培训促就业计划', 1, TRUE),
 ('programme', 'startup', '创业援助计划', 2, TRUE),
 ('programme', 'sunshine', '阳光就业计划', 3, TRUE),
 ('programme', 'study_dream', '职工“求学圆梦行动”计划', 4, TRUE),
 ('programme', 'mutual_aid', '职工医疗互助保障计划', 5, TRUE),
 ('programme', 'second_insurance', '职工“住院二次医保”计划', 6, TRUE),
 ('programme', 'golden_autumn', '金秋助学计划', 7, TRUE),
 ('programme', 'injury_visit', '工伤探视扶助计划', 8, TRUE),
 ('programme', 'pairing', '一帮一结对计划', 9, TRUE),
 ('programme', 'warmth', '送温暖精准帮扶计划', 10, TRUE),
 ('assistance_kind', 'living', '生活救助', 1, TRUE),
 ('assistance_kind', 'medical', '医疗救助', 2, TRUE),
 ('assistance_kind', 'education', '助学（金秋助学）', 3, TRUE),
 ('assistance_kind', 'legal', '法律援助', 4, TRUE),
 ('assistance_kind', 'training', '技能培训', 5, TRUE),
 ('assistance_kind', 'job', '就业安置', 6, TRUE),
 ('assistance_kind', 'warmth', '送温暖', 7, TRUE),
 ('assistance_kind', 'policy', '落实政策', 8, TRUE),
 ('guarantee_line', 'living', '基本生活', 1, TRUE),
 ('guarantee_line', 'medical', '基本医疗', 2, TRUE),
 ('guarantee_line', 'education', '教育救助', 3, TRUE),
 ('guarantee_line', 'housing', '基本住房安全', 4, TRUE),
 ('guarantee_line', 'employment', '就业创业', 5, TRUE),
 ('guarantee_line', 'insurance', '社会保险政策待遇', 6, TRUE),
 ('department', 'civil_affairs', '民政部门', 1, TRUE),
 ('department', 'hrss', '人力资源和社会保障部门', 2, TRUE),
 ('department', 'education', '教育部门', 3, TRUE),
 ('department', 'health', '卫生健康部门', 4, TRUE),
 ('department', 'medical_security', '医疗保障部门', 5, TRUE),
 ('department', 'housing', '住房和城乡建设部门', 6, TRUE),
 ('department', 'disabled', '残疾人联合会', 7, TRUE),
 ('department', 'other', '其他部门', 8, TRUE);

-- A partner department's user answers only the referrals sent to their
-- department within their union's subtree.
ALTER TABLE users ADD COLUMN department TEXT;

-- One-to-one pairing (一帮一): the current pairing unit and responsible
-- person, copied on the file for "my households" and "nobody responsible";
-- the history is in pairings.
ALTER TABLE households ADD COLUMN pairing_union_id BIGINT REFERENCES unions(id);
ALTER TABLE households ADD COLUMN responsible_id BIGINT REFERENCES users(id);
ALTER TABLE households ADD COLUMN last_visit_on DATE;
CREATE INDEX households_responsible ON households(responsible_id, id);

CREATE TABLE pairings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id   BIGINT NOT NULL REFERENCES households(id),
    union_id       BIGINT NOT NULL REFERENCES unions(id),
    responsible_id BIGINT NOT NULL REFERENCES users(id),
    from_at        TIMESTAMP NOT NULL,
    until_at       TIMESTAMP,
    note           TEXT NOT NULL,
    created_by     BIGINT
);
CREATE INDEX pairings_household ON pairings(household_id, id);

-- 一户一计划: one plan per household and year.
CREATE TABLE plans (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households(id),
    union_path   TEXT NOT NULL,
    year         INTEGER NOT NULL,
    -- 'exit' (out of hardship by target_on) or 'relief' (解困)
    goal         TEXT NOT NULL,
    target_on    DATE,
    summary      TEXT NOT NULL,
    -- 'draft' or 'approved'; measures of an approved plan are approved
    status       TEXT NOT NULL,
    approved_by  BIGINT,
    approved_at  TIMESTAMP,
    version      BIGINT NOT NULL,
    created_by   BIGINT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (household_id, year)
);
CREATE INDEX plans_scope ON plans(union_path, year);

-- 一户一措施: the measures of a plan.
CREATE TABLE measures (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id        BIGINT NOT NULL REFERENCES plans(id),
    household_id   BIGINT NOT NULL REFERENCES households(id),
    union_path     TEXT NOT NULL,
    track          TEXT NOT NULL,
    programme      TEXT,
    guarantee_line TEXT,
    content        TEXT NOT NULL,
    due_on         DATE NOT NULL,
    responsible_id BIGINT REFERENCES users(id),
    -- 'planned', 'in_progress', 'done', 'cancelled'
    status         TEXT NOT NULL,
    done_on        DATE,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX measures_plan ON measures(plan_id, id);
CREATE INDEX measures_household ON measures(household_id);
CREATE INDEX measures_responsible ON measures(responsible_id, due_on);

-- 入户走访 with the home-visit method: 看 (looked), 问 (asked), 讲 (explained).
CREATE TABLE visits (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households(id),
    union_path   TEXT NOT NULL,
    visited_on   DATE NOT NULL,
    met          TEXT NOT NULL,
    looked       TEXT NOT NULL,
    asked        TEXT NOT NULL,
    explained    TEXT NOT NULL,
    findings     TEXT NOT NULL,
    needs        TEXT NOT NULL,
    recorded_by  BIGINT NOT NULL REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX visits_household ON visits(household_id, visited_on);

CREATE TABLE visit_photos (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id     BIGINT NOT NULL REFERENCES visits(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX visit_photos_visit ON visit_photos(visit_id);

-- Fund accounts. 'fund': a union's money from one source, never below zero;
-- 'income': where a union's receipts come from (its balance is minus what
-- was raised); 'payout': what a union has paid to households.
CREATE TABLE fund_accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    union_id   BIGINT NOT NULL REFERENCES unions(id),
    union_path TEXT NOT NULL,
    kind       TEXT NOT NULL,
    -- 'union' (工会经费), 'returned' (上级返还), 'finance' (财政), 'donation' (社会捐助)
    source     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (union_id, kind, source)
);
CREATE INDEX fund_accounts_scope ON fund_accounts(union_path);

-- A movement of money: a receipt, an allocation to a child union, a
-- disbursement to a household (always with its assistance record) or the
-- reversal of an earlier transfer. Never updated, never deleted.
CREATE TABLE fund_transfers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    union_id      BIGINT NOT NULL REFERENCES unions(id),
    union_path    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    source        TEXT NOT NULL,
    on_date       DATE NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    memo          TEXT NOT NULL,
    -- for allocations: the receiving union
    to_union_id   BIGINT REFERENCES unions(id),
    assistance_id BIGINT,
    reverses_id   BIGINT UNIQUE REFERENCES fund_transfers(id),
    created_by    BIGINT,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX fund_transfers_scope ON fund_transfers(union_path, on_date);
CREATE INDEX fund_transfers_to ON fund_transfers(to_union_id);

-- The two (or more) sides of each transfer; they sum to zero per transfer.
-- A balance is the sum of an account's entries.
CREATE TABLE ledger_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id BIGINT NOT NULL REFERENCES fund_transfers(id),
    account_id  BIGINT NOT NULL REFERENCES fund_accounts(id),
    amount      BIGINT NOT NULL,
    on_date     DATE NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, on_date, amount);
CREATE INDEX ledger_entries_transfer ON ledger_entries(transfer_id);

-- 帮扶记录: one act of assistance to a household.
CREATE TABLE assistance (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id    BIGINT NOT NULL REFERENCES households(id),
    -- the household's union path, for scope; union_id is the giving union
    union_path      TEXT NOT NULL,
    union_id        BIGINT NOT NULL REFERENCES unions(id),
    kind            TEXT NOT NULL,
    given_on        DATE NOT NULL,
    cash            BIGINT NOT NULL CHECK (cash >= 0),
    goods           TEXT NOT NULL,
    goods_value     BIGINT NOT NULL CHECK (goods_value >= 0),
    persons         INTEGER NOT NULL CHECK (persons >= 1),
    measure_id      BIGINT REFERENCES measures(id),
    -- the fund account the cash came from (required when cash > 0)
    source          TEXT,
    school          TEXT,
    stage           TEXT,
    note            TEXT NOT NULL,
    -- 'given' (done; cash paid through transfer_id), 'pending' (cash above
    -- the threshold, awaiting a reviewer), 'refused', 'reversed'
    status          TEXT NOT NULL,
    transfer_id     BIGINT REFERENCES fund_transfers(id),
    given_by        BIGINT REFERENCES users(id),
    approved_by     BIGINT,
    subsidy_id      BIGINT,
    referral_id     BIGINT,
    created_by      BIGINT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX assistance_household ON assistance(household_id, given_on);
CREATE INDEX assistance_scope ON assistance(union_path, given_on);
CREATE INDEX assistance_status ON assistance(status, union_path);

-- 送温暖常态化: a monthly or quarterly living subsidy.
CREATE TABLE subsidies (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households(id),
    union_id     BIGINT NOT NULL REFERENCES unions(id),
    union_path   TEXT NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    -- 'monthly' or 'quarterly'
    period       TEXT NOT NULL,
    start_month  TEXT NOT NULL,
    end_month    TEXT,
    source       TEXT NOT NULL,
    measure_id   BIGINT REFERENCES measures(id),
    -- 'active' or 'stopped'
    status       TEXT NOT NULL,
    stopped_on   DATE,
    stop_reason  TEXT,
    created_by   BIGINT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX subsidies_scope ON subsidies(union_path, status);
CREATE INDEX subsidies_household ON subsidies(household_id);

-- One due payment per subsidy and period ('YYYY-MM', the period's first month).
CREATE TABLE subsidy_payments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subsidy_id    BIGINT NOT NULL REFERENCES subsidies(id),
    household_id  BIGINT NOT NULL REFERENCES households(id),
    union_path    TEXT NOT NULL,
    period        TEXT NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    -- 'due', 'paid' or 'cancelled'
    status        TEXT NOT NULL,
    assistance_id BIGINT REFERENCES assistance(id),
    decided_by    BIGINT,
    decided_at    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (subsidy_id, period)
);
CREATE INDEX subsidy_payments_scope ON subsidy_payments(status, union_path);

-- The most cash one act of a kind may give, per region (a division code;
-- '' is the whole country). Used by the fund audit.
CREATE TABLE assistance_standards (
    kind          TEXT NOT NULL,
    division_code TEXT NOT NULL,
    max_cash      BIGINT NOT NULL CHECK (max_cash > 0),
    updated_by    BIGINT,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, division_code)
);

-- What the fund audit found, one row per check and subject, kept with its
-- evidence until resolved (explained, or reversed) — and after.
CREATE TABLE fund_findings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    union_path    TEXT NOT NULL,
    -- 'not_on_file', 'duplicate', 'over_standard', 'no_measure', 'not_passed_on'
    check_kind    TEXT NOT NULL,
    subject       TEXT NOT NULL,
    household_id  BIGINT,
    assistance_id BIGINT,
    transfer_id   BIGINT,
    amount        BIGINT,
    evidence      TEXT NOT NULL,
    found_at      TIMESTAMP NOT NULL,
    -- 'open', 'explained', 'reversed'
    status        TEXT NOT NULL,
    resolution    TEXT,
    resolved_by   BIGINT,
    resolved_at   TIMESTAMP,
    UNIQUE (check_kind, subject)
);
CREATE INDEX fund_findings_scope ON fund_findings(union_path, status);

-- 需求推送: a household's need pushed to a department, and the answer.
CREATE TABLE referrals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    union_id      BIGINT NOT NULL REFERENCES unions(id),
    union_path    TEXT NOT NULL,
    department    TEXT NOT NULL,
    need          TEXT NOT NULL,
    policy        TEXT NOT NULL,
    deadline      DATE NOT NULL,
    -- 'sent', 'granted', 'refused'
    status        TEXT NOT NULL,
    answer        TEXT,
    answered_by   BIGINT,
    answered_at   TIMESTAMP,
    assistance_id BIGINT REFERENCES assistance(id),
    version       BIGINT NOT NULL,
    created_by    BIGINT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX referrals_scope ON referrals(union_path, status);
CREATE INDEX referrals_department ON referrals(department, union_path);
CREATE INDEX referrals_household ON referrals(household_id);

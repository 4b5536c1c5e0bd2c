-- 部门核对: the catalogue of department datasets, which an administrator
-- extends. Keep in step with ../../postgres/2026-12-10-000001_verification_datasets/up.sql.
--
-- Each entry follows the rule of a kind (kind: one of the codes of
-- bangfu_domain::verification::Dataset — the kind says which fields a row
-- has and what a match means for a file; rules live in code, never here).
-- The eleven built-in datasets are entries whose code is their kind's.
-- Entries are never deleted: a dataset no longer received is deactivated,
-- and the batches and findings that name its code keep their label.
CREATE TABLE verification_datasets (
    code        TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    department  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    active      BOOLEAN NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL,
    updated_by  BIGINT REFERENCES users(id),
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX verification_datasets_label ON verification_datasets(label);

INSERT INTO verification_datasets
    (code, label, department, kind, position, active, created_by, created_at, updated_by, updated_at)
VALUES
 ('dibao', '低保名单', '民政部门', 'dibao', 1, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('tekun', '特困供养人员', '民政部门', 'tekun', 2, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('vehicle', '车辆登记', '公安部门', 'vehicle', 3, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('property', '不动产登记', '住房和城乡建设部门', 'property', 4, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('business', '工商登记', '市场监管部门', 'business', 5, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('social_insurance', '社会保险缴费', '人力资源和社会保障部门', 'social_insurance', 6, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('unemployment', '失业登记', '人力资源和社会保障部门', 'unemployment', 7, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('death', '死亡登记', '民政、公安部门', 'death', 8, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('medical', '大额医疗自付费用', '医疗保障部门', 'medical', 9, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('disability', '残疾人证', '残疾人联合会', 'disability', 10, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00'),
 ('disaster', '受灾救助', '应急管理部门', 'disaster', 11, TRUE, NULL, '2026-12-10 00:00:00', NULL, '2026-12-10 00:00:00');

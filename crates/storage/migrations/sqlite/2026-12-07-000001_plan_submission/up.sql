-- A plan goes draft → submitted (提交审批, by the officer) → approved (审定,
-- by a reviewer); a change of its goal or summary sends it back to draft.
-- The status column is text: 'submitted' needs no change of it, only who
-- submitted the plan and when, and an index for the reviewers' queue.
ALTER TABLE plans ADD COLUMN submitted_by BIGINT;
ALTER TABLE plans ADD COLUMN submitted_at TIMESTAMP;
CREATE INDEX plans_status ON plans(status, union_path);

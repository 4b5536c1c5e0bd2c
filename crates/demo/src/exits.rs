//! Three years of decisions over the generated files: exits, reliefs and
//! removals with their steps, revocations, relapses (most reopened as new
//! files), the files ready to exit, and a few yearly targets.

use crate::fate::{add_months, fate};
use crate::now;
use crate::random::{days, Gen};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::identification::Category;
use bangfu_domain::leaving::{ExitKind, Pathway, RemovalReason};
use bangfu_domain::{UnionId, UnionLevel};
use bangfu_service::seeding::{self, Books};
use bangfu_service::today;
use bangfu_service::{ServiceError, Services};
use bangfu_storage::{households as hs, seed, unions, users, Scope};
use chrono::NaiveDate;

#[derive(Debug, Clone, Default)]
pub struct ExitSummary {
    /// Files looked at.
    pub households: usize,
    /// Approved exits (脱困), by pathway code.
    pub out: std::collections::BTreeMap<&'static str, usize>,
    pub relieved: usize,
    pub removed: usize,
    /// Approved revocations (the file is back on file).
    pub revoked: usize,
    /// Relapses flagged (by hand, after an event).
    pub relapses: usize,
    /// Of those, reopened as a new file.
    pub reopened: usize,
    /// Exited households within follow-up below the line for six months, not flagged yet.
    pub falling_back: usize,
    /// Files left on file above the line for the last months (ready to exit).
    pub ready: usize,
    /// Target rows set.
    pub targets: usize,
}

impl ExitSummary {
    pub fn exits(&self) -> usize {
        self.out.values().sum()
    }
}

fn decision_text(
    kind: ExitKind,
    pathway: Option<Pathway>,
    reason: Option<RemovalReason>,
) -> (&'static str, &'static str) {
    match (kind, pathway, reason) {
        (ExitKind::Out, Some(Pathway::Employment), _) => (
            "经技能培训和就业推荐，家庭成员已稳定就业，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "劳动合同、近 6 个月工资流水；入户核查记录",
        ),
        (ExitKind::Out, Some(Pathway::Entitlements), _) => (
            "拖欠的社会保险和工资待遇已落实到位，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "社保缴费记录、待遇核定通知；入户核查记录",
        ),
        (ExitKind::Out, Some(Pathway::Medical), _) => (
            "经医疗救助、职工医疗互助和二次报销，医疗负担明显减轻，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "医疗费用结算单、互助金领取记录；入户核查记录",
        ),
        (ExitKind::Out, Some(Pathway::SocialAssistance), _) => (
            "已纳入政府低保（特困供养）等社会救助保障，按规定视为脱困。",
            "民政部门低保（特困）审批材料；入户核查记录",
        ),
        (ExitKind::Out, _, _) => (
            "经工会持续帮扶，家庭经济状况明显好转，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "收入证明；入户核查记录",
        ),
        (ExitKind::Relief, _, _) => (
            "家庭成员患重病或残疾，无法通过就业脱困；已纳入政府兜底保障和工会常态化帮扶，家庭实际生活水平达到当地低保标准，予以解困。",
            "低保证、常态化帮扶记录、医疗诊断或残疾证明；入户核查记录",
        ),
        (ExitKind::Removal, _, Some(RemovalReason::Death)) => (
            "职工本人去世，家庭无其他需帮扶的困难情形，档案退出。",
            "死亡证明；社区证明",
        ),
        (ExitKind::Removal, _, Some(RemovalReason::Moved)) => (
            "职工已迁离本地，档案退出。",
            "户籍迁移证明；社区证明",
        ),
        (ExitKind::Removal, _, _) => (
            "复核发现家庭收入超过建档标准，不符合建档条件，予以退出。",
            "部门核对结果、收入证明；复核记录",
        ),
        (ExitKind::Revoke, _, _) => (
            "复查发现原决定所依据的收入证明不实，撤销原决定，恢复在档帮扶。",
            "复查记录、收入核对结果",
        ),
    }
}

/// Who did the steps: the demo's officer and reviewer in their county,
/// otherwise the roles by name (generated history has no accounts).
#[derive(Debug, Clone)]
struct StepActors {
    demo: Vec<DemoActors>,
}

/// The union path a demo officer and reviewer work in, with their (id, name).
type DemoActors = (String, (i64, String), (i64, String));

impl StepActors {
    fn for_path(&self, path: &str) -> ((Option<i64>, String), (Option<i64>, String)) {
        match self.demo.iter().find(|d| path.starts_with(d.0.as_str())) {
            Some((_, o, v)) => ((Some(o.0), o.1.clone()), (Some(v.0), v.1.clone())),
            None => (
                (None, "基层工会帮扶干部".to_owned()),
                (None, "县级工会审核人".to_owned()),
            ),
        }
    }
}

/// Records the decisions [`fate`] gives every file on file filed after the
/// last one that has any (and is not itself a reopened file): an approved
/// `exits` row with its steps (propose, review, notice when the kind has
/// one, approve) on plausible dates, the file's status, leaving date and
/// follow-up, its span closed on the decision day; revocations that put a
/// file back on file (a new span from then); relapses flagged, most of them
/// reopened as a new incremental file linked both ways (filed through the
/// same path as any file, audited). Files left on file that are ready to
/// exit are flagged so (`ready_pathway`), as saving their incomes would
/// have done. Then a few yearly targets: 20 % a year
/// for the last three years at the root, the Guangdong province 25 % this
/// year, Guangzhou 30 % last year.
///
/// On file at any day D stays filings − decisions + revocations +
/// reopenings as of D (`bangfu_storage::test_support::on_file_ledger` counts it).
pub async fn load_exits(
    services: &Services,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<ExitSummary, ServiceError> {
    let today = today();
    let flow = services.settings().exit_flow;
    let follow_months = services.settings().follow_months;
    let notice_days = u64::from(services.settings().notice_days);
    let (unions_list, actors, after) = services
        .seed_write(move |c| {
            let after = seed::last_decided_household(c)?;
            let mut demo = Vec::new();
            if let (Some((o, _)), Some((v, _))) = (
                users::credentials(c, "demo-officer")?,
                users::credentials(c, "demo-reviewer")?,
            ) {
                demo.push((
                    o.union_path.as_str().to_owned(),
                    (o.id.0, o.display_name.clone()),
                    (v.id.0, v.display_name.clone()),
                ));
            }
            Ok((
                seed::household_unions(c, after)?,
                StepActors { demo },
                after,
            ))
        })
        .await?;
    let total: i64 = unions_list.iter().map(|u| u.2).sum();
    let mut summary = ExitSummary::default();
    let mut i = 0usize;
    let mut seen = 0i64;
    while i < unions_list.len() {
        let mut j = i;
        let mut n = 0;
        while j < unions_list.len() && (n < 2_000 || j == i) {
            n += unions_list[j].2;
            j += 1;
        }
        let union_ids: Vec<i64> = unions_list[i..j].iter().map(|u| u.0).collect();
        seen += n;
        i = j;
        let actors = actors.clone();
        let s = services
            .seed_write(move |c| {
                let at = |d: NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap_or_default();
                let mut s = ExitSummary::default();
                let households = seed::on_file_of(c, &union_ids, after)?;
                let mut next = seed::next_exit_id(c)?;
                let mut decisions = Vec::new();
                let mut revokes = Vec::new();
                let mut steps = Vec::new();
                let mut left = Vec::new();
                let mut back = Vec::new();
                let mut relapses = Vec::new();
                let mut ready = Vec::new();
                for h in &households {
                    s.households += 1;
                    let category = Category::parse(&h.category).unwrap_or(Category::Sudden);
                    let f = fate(
                        &h.worker_id_number,
                        h.union_id,
                        h.filed_on,
                        h.health != "healthy",
                        category,
                        today,
                    );
                    let mut r = Gen::of(&h.worker_id_number, 0xD0C5);
                    let Some(d) = f.decided else {
                        if f.ready {
                            // What saving its incomes would have recorded (and
                            // the monthly run will confirm): ready, with the
                            // pathway its measures suggest.
                            let p = r.weighted(&[
                                    (Pathway::Employment, 50),
                                    (Pathway::Medical, 15),
                                    (Pathway::Entitlements, 15),
                                    (Pathway::Other, 20),
                                ],
                            )
                            .unwrap_or(Pathway::Other);
                            ready.push((HouseholdId(h.id), p.code()));
                            s.ready += 1;
                        }
                        continue;
                    };
                    let ((officer_id, officer), (reviewer_id, reviewer)) =
                        actors.for_path(&h.union_path);
                    // Steps back from the approval: the notice period ending
                    // 0–3 days before, review 1–4 days before the notice,
                    // proposal 2–10 days before the review.
                    let mut plan = |id: i64,
                                    kind: ExitKind,
                                    approved: NaiveDate,
                                    notice: bool,
                                    steps: &mut Vec<seed::ExitStepRow>|
                     -> (Option<NaiveDate>, Option<NaiveDate>, NaiveDate) {
                        let notice_until = approved - days(r.below(4));
                        let notice_from = notice_until - days(notice_days);
                        let reviewed = if notice {
                            notice_from - days(1 + r.below(4))
                        } else {
                            approved - days(2 + r.below(6))
                        };
                        let proposed = reviewed - days(2 + r.below(9));
                        let label = kind.label();
                        let mut step = |step: &str, who: &(Option<i64>, String), on: NaiveDate, h: u32, note: String| {
                            steps.push(seed::ExitStepRow {
                                exit_id: id,
                                step: step.into(),
                                actor_id: who.0,
                                actor_name: who.1.clone(),
                                at: at(on, h),
                                note,
                            });
                        };
                        let off = (officer_id, officer.clone());
                        let rev = (reviewer_id, reviewer.clone());
                        step("propose", &off, proposed, 10, format!("提出{label}"));
                        step("review", &rev, reviewed, 15, "入户核查，情况属实".into());
                        if notice {
                            step(
                                "notice",
                                &rev,
                                notice_from,
                                9,
                                format!("在工会公示栏和社区公示至 {notice_until}"),
                            );
                            step("approve", &rev, approved, 16, "公示期满无异议，予以批准".into());
                            (Some(notice_from), Some(notice_until), proposed)
                        } else {
                            step("approve", &rev, approved, 16, "经审核，予以批准".into());
                            (None, None, proposed)
                        }
                    };
                    let id = next;
                    next += 1;
                    let notice = flow.notice(d.kind);
                    let (nf, nu, proposed) = plan(id, d.kind, d.decided_on, notice, &mut steps);
                    let (note, evidence) = decision_text(d.kind, d.pathway, d.reason);
                    decisions.push(seed::ExitRow {
                        id,
                        household_id: h.id,
                        union_id: h.union_id,
                        union_path: h.union_path.clone(),
                        kind: d.kind.code().into(),
                        pathway: d.pathway.map(|p| p.code().into()),
                        reason: d.reason.map(|p| p.code().into()),
                        note: note.into(),
                        evidence: evidence.into(),
                        cohort: h.cohort.clone(),
                        status: "approved".into(),
                        notice_from: nf,
                        notice_until: nu,
                        decided_on: Some(d.decided_on),
                        revokes_id: None,
                        revoked_by_id: None,
                        evaluation_json: "{}".into(),
                        version: if notice { 4 } else { 3 },
                        created_by: officer_id,
                        created_at: at(proposed, 10),
                        updated_at: at(d.decided_on, 16),
                    });
                    match d.kind {
                        ExitKind::Out => {
                            *s.out.entry(d.pathway.map_or("other", |p| p.code())).or_default() += 1
                        }
                        ExitKind::Relief => s.relieved += 1,
                        _ => s.removed += 1,
                    }
                    if let Some(on) = d.revoked_on {
                        let rid = next;
                        next += 1;
                        let notice = flow.notice(ExitKind::Revoke);
                        let (nf, nu, proposed) = plan(rid, ExitKind::Revoke, on, notice, &mut steps);
                        let (note, evidence) = decision_text(ExitKind::Revoke, None, None);
                        revokes.push(seed::ExitRow {
                            id: rid,
                            household_id: h.id,
                            union_id: h.union_id,
                            union_path: h.union_path.clone(),
                            kind: ExitKind::Revoke.code().into(),
                            pathway: None,
                            reason: None,
                            note: note.into(),
                            evidence: evidence.into(),
                            cohort: h.cohort.clone(),
                            status: "approved".into(),
                            notice_from: nf,
                            notice_until: nu,
                            decided_on: Some(on),
                            revokes_id: Some(id),
                            revoked_by_id: None,
                            evaluation_json: "{}".into(),
                            version: if notice { 4 } else { 3 },
                            created_by: officer_id,
                            created_at: at(proposed, 10),
                            updated_at: at(on, 16),
                        });
                        back.push((h.clone(), d.decided_on, on, id, rid));
                        s.revoked += 1;
                        continue;
                    }
                    let status = match d.kind {
                        ExitKind::Out => Status::Exited,
                        ExitKind::Relief => Status::Relieved,
                        _ => Status::Removed,
                    };
                    left.push(seed::Left {
                        household_id: h.id,
                        status: status.code(),
                        left_on: d.decided_on,
                        follow_until: (status == Status::Exited)
                            .then(|| add_months(d.decided_on, follow_months)),
                        at: at(d.decided_on, 16),
                    });
                    if let Some(rel) = d.relapse {
                        match rel.flagged_on {
                            Some(on) => {
                                relapses.push((h.id, h.union_id, on, rel.reason, rel.reopened_on));
                                s.relapses += 1;
                                s.reopened += usize::from(rel.reopened_on.is_some());
                            }
                            None => s.falling_back += 1,
                        }
                    }
                }
                for (id, pathway) in ready {
                    hs::set_readiness(c, id, Some(pathway), false)?;
                }
                seed::insert_exits(c, &decisions)?;
                seed::insert_exits(c, &revokes)?;
                for x in &revokes {
                    if let Some(of) = x.revokes_id {
                        seed::set_revoked_by(c, of, x.id)?;
                    }
                }
                seed::insert_exit_steps(c, &steps)?;
                seed::mark_left(c, &left)?;
                // Revoked: out from the decision to the revocation, then on file again.
                let mut spans = Vec::new();
                for (h, out_on, back_on, _, _) in &back {
                    seed::close_span(c, h.id, *out_on)?;
                    seed::bump_version(c, h.id, 2)?;
                    spans.push(seed::SpanRow {
                        household_id: h.id,
                        union_id: h.union_id,
                        union_path: h.union_path.clone(),
                        tier: h.tier.clone(),
                        category: h.category.clone(),
                        cohort: h.cohort.clone(),
                        persons: h.size,
                        from_on: *back_on,
                        until_on: None,
                    });
                }
                seed::insert_spans(c, &spans)?;
                seed::sync_exit_sequence(c)?;
                // Relapses: flagged, and most reopened as a new file with the
                // same people and data, filed the day it was reopened.
                let mut books = None;
                let root = unions::by_level_unscoped(c, UnionLevel::National)?;
                for (hid, union_id, on, reason, reopen) in relapses {
                    let id = HouseholdId(hid);
                    hs::set_relapse(c, id, Some((on, reason)))?;
                    let Some(reopen_on) = reopen else { continue };
                    let Some(union) = unions::find_unscoped(c, UnionId(union_id))? else {
                        continue;
                    };
                    let scope = Scope::of(
                        root.first()
                            .map(|u| u.path.clone())
                            .unwrap_or_else(|| union.path.clone()),
                    );
                    let Some(old) = hs::find(c, &scope, id)? else { continue };
                    if books.is_none() {
                        books = Some(Books::load(c)?);
                    }
                    let Some(b) = books.as_ref() else { continue };
                    seeding::reopen_household(c, &union, &old, (on, reason), reopen_on, b)?;
                }
                Ok(s)
            })
            .await?;
        summary.households += s.households;
        for (k, v) in s.out {
            *summary.out.entry(k).or_default() += v;
        }
        summary.relieved += s.relieved;
        summary.removed += s.removed;
        summary.revoked += s.revoked;
        summary.relapses += s.relapses;
        summary.reopened += s.reopened;
        summary.falling_back += s.falling_back;
        summary.ready += s.ready;
        if seen % 20_000 < 2_100 || i >= unions_list.len() {
            progress(&format!("已为 {seen} / {total} 户生成退出决定"));
        }
    }
    summary.targets = services
        .seed_write(move |c| {
            let year = chrono::Datelike::year(&today);
            let set_at = now();
            let mut rows = Vec::new();
            let mut push = |union_id: UnionId, year: i32, share_bp: i32| {
                rows.push(seed::TargetRow {
                    union_id: union_id.0,
                    year,
                    share_bp,
                    set_by: None,
                    set_at,
                });
            };
            for root in unions::by_level_unscoped(c, UnionLevel::National)? {
                for y in year - 2..=year {
                    push(root.id, y, 2000);
                }
            }
            for p in unions::by_level_unscoped(c, UnionLevel::Province)? {
                if p.division_code == "440000" {
                    push(p.id, year, 2500);
                }
            }
            for city in unions::by_level_unscoped(c, UnionLevel::City)? {
                if city.division_code == "440100" {
                    push(city.id, year - 1, 3000);
                }
            }
            Ok(seed::insert_targets(c, &rows)?)
        })
        .await?;
    services.seed_analyze().await?;
    Ok(summary)
}

//! The sheets of the help on the files: pairings, plans and measures,
//! visits, assistance, subsidies and referrals.

use super::*;

pub(super) fn pairings(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for p in f.pairings.iter().rev() {
            rows.push(vec![
                file_no(f),
                text(p.union_name.clone()),
                text(p.responsible_name.clone()),
                time(p.from_at),
                opt_time(p.until_at),
                text(p.note.clone()),
            ]);
        }
    });
    sheet(
        "结对帮扶",
        &[
            "档案编号",
            "结对工会",
            "帮扶责任人",
            "开始时间",
            "结束时间",
            "备注",
        ],
        rows,
    )
}

pub(super) fn plans(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for (p, _) in &f.plans {
            rows.push(vec![
                file_no(f),
                int(p.year),
                text(p.goal.label()),
                opt_date(p.target_on),
                text(p.summary.clone()),
                text(p.status.label()),
                opt_text(p.submitted_by_name.clone()),
                opt_time(p.submitted_at),
                opt_text(p.approved_by_name.clone()),
                opt_time(p.approved_at),
                time(p.created_at),
            ]);
        }
    });
    sheet(
        "帮扶计划",
        &[
            "档案编号",
            "年度",
            "帮扶目标",
            "目标日期",
            "计划概述",
            "状态",
            "提交人",
            "提交时间",
            "审定人",
            "审定时间",
            "制定时间",
        ],
        rows,
    )
}

pub(super) fn measures(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for (_, measures) in &f.plans {
            for m in measures {
                rows.push(vec![
                    file_no(f),
                    int(m.plan_year),
                    text(held.label(Catalogue::Track, &m.track)),
                    opt_text(
                        m.programme
                            .as_deref()
                            .map(|c| held.label(Catalogue::Programme, c)),
                    ),
                    opt_text(
                        m.guarantee_line
                            .as_deref()
                            .map(|c| held.label(Catalogue::GuaranteeLine, c)),
                    ),
                    text(m.content.clone()),
                    date(m.due_on),
                    opt_text(m.responsible_name.clone()),
                    text(m.status.label()),
                    opt_date(m.done_on),
                ]);
            }
        }
    });
    sheet(
        "帮扶措施",
        &[
            "档案编号",
            "计划年度",
            "帮扶路径",
            "行动计划",
            "保障线",
            "措施内容",
            "完成期限",
            "责任人",
            "状态",
            "完成日期",
        ],
        rows,
    )
}

pub(super) fn visits(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for v in f.visits.iter().rev() {
            rows.push(vec![
                file_no(f),
                date(v.visited_on),
                text(v.met.clone()),
                text(v.looked.clone()),
                text(v.asked.clone()),
                text(v.explained.clone()),
                text(v.findings.clone()),
                text(v.needs.clone()),
                text(v.recorded_by_name.clone()),
                text(
                    v.photos
                        .iter()
                        .map(|p| p.name.clone())
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
                time(v.created_at),
            ]);
        }
    });
    sheet(
        "入户走访",
        &[
            "档案编号",
            "走访日期",
            "见到的人",
            "看（住房和生活条件）",
            "问（困难和需求）",
            "讲（政策宣传）",
            "发现的情况",
            "需求",
            "记录人",
            "照片",
            "记录时间",
        ],
        rows,
    )
}

pub(super) fn assistance(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for a in f.assistance.iter().rev() {
            rows.push(vec![
                int(a.id.0),
                file_no(f),
                text(held.label(Catalogue::AssistanceKind, &a.kind)),
                date(a.given_on),
                text(a.union_name.clone()),
                money(a.cash),
                text(a.goods.clone()),
                money(a.goods_value),
                int(a.persons),
                opt_text(a.source.map(|s| s.label())),
                opt_text(a.school.clone()),
                opt_text(a.stage.map(|s| s.label())),
                text(a.status.label()),
                text(a.given_by_name.clone()),
                text(a.note.clone()),
                time(a.created_at),
            ]);
        }
    });
    sheet(
        "帮扶记录",
        &[
            "记录号",
            "档案编号",
            "帮扶类别",
            "帮扶日期",
            "发放工会",
            "现金（元）",
            "实物",
            "实物折价（元）",
            "受益人数",
            "资金来源",
            "学校",
            "就学阶段",
            "状态",
            "经办人",
            "备注",
            "登记时间",
        ],
        rows,
    )
}

pub(super) fn subsidies(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for s in f.subsidies.iter().rev() {
            rows.push(vec![
                int(s.id.0),
                file_no(f),
                text(s.union_name.clone()),
                money(s.amount),
                text(s.period.label()),
                text(s.start_month.to_string()),
                opt_text(s.end_month.map(|m| m.to_string())),
                text(s.source.label()),
                text(s.status.label()),
                opt_date(s.stopped_on),
                opt_text(s.stop_reason.clone()),
                time(s.created_at),
            ]);
        }
    });
    sheet(
        "常态化补助",
        &[
            "补助号",
            "档案编号",
            "发放工会",
            "每期金额（元）",
            "发放周期",
            "起始月",
            "结束月",
            "资金来源",
            "状态",
            "停发日期",
            "停发原因",
            "设定时间",
        ],
        rows,
    )
}

pub(super) fn referrals(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for r in f.referrals.iter().rev() {
            rows.push(vec![
                int(r.id.0),
                file_no(f),
                text(r.union_name.clone()),
                text(held.label(Catalogue::Department, &r.department)),
                text(r.need.clone()),
                text(r.policy.clone()),
                date(r.deadline),
                text(r.status.label()),
                opt_text(r.answer.clone()),
                text(r.answered_by_name.clone()),
                opt_time(r.answered_at),
                time(r.created_at),
            ]);
        }
    });
    sheet(
        "需求推送",
        &[
            "编号",
            "档案编号",
            "推送工会",
            "部门",
            "需求",
            "相关政策",
            "答复期限",
            "状态",
            "答复",
            "答复人",
            "答复时间",
            "推送时间",
        ],
        rows,
    )
}

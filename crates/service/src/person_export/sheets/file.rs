//! The sheets of the files themselves: the file, its members and months,
//! its identification and decisions, the findings about the person and
//! the transfers.

use super::*;

pub(super) fn files(held: &Held, id: &IdNumber) -> Sheet {
    let rows = per_file(held, |f, rows| {
        let h = &f.household;
        let d = &h.data;
        let l = &h.leaving;
        let role = if f.is_worker {
            "职工本人".to_owned()
        } else {
            let relation = f
                .members
                .iter()
                .find(|m| m.id_number.as_ref() == Some(id))
                .map(|m| m.relation.label())
                .unwrap_or_default();
            format!("家庭成员（{relation}）")
        };
        rows.push(vec![
            file_no(f),
            text(h.union_name.clone()),
            text(role),
            text(h.status.label()),
            text(d.worker_name.clone()),
            id_cell(id, d.worker_id_number.as_str()),
            text(h.worker_sex.label()),
            opt_date(h.worker_birth_date),
            text(if f.is_worker {
                d.phone.clone()
            } else {
                mask_phone(&d.phone)
            }),
            text(d.address.clone()),
            text(d.division_code.clone()),
            text(d.employer.clone()),
            text(d.employer_kind.label()),
            text(d.employment.label()),
            text(d.labour_capacity.label()),
            text(d.health.label()),
            opt_text(d.disability_grade.map(|g| format!("{g} 级"))),
            yes_no(d.migrant),
            yes_no(d.zero_employment),
            yes_no(d.closure_laid_off),
            yes_no(d.trade_friction),
            text(d.causes.labels()),
            text(d.category.label()),
            text(d.tier.label()),
            text(h.cohort.label()),
            int(h.size),
            date(d.filed_on),
            opt_text(d.dibao_since.map(|m| m.to_string())),
            opt_text(d.other_relief_since.map(|m| m.to_string())),
            text(d.notes.clone()),
            text(h.report.state.label()),
            opt_date(l.left_on),
            opt_date(l.follow_until),
            opt_date(l.relapse_on),
            opt_text(l.relapse_reason.clone()),
            linked(held, l.previous_id),
            linked(held, l.reopened_id),
            linked(held, f.merges.into.as_ref().map(|m| m.0)),
            text(
                f.merges
                    .from
                    .iter()
                    .map(|m| m.1.clone())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            time(h.created_at),
            time(h.updated_at),
        ]);
    });
    sheet(
        "困难职工档案",
        &[
            "档案编号",
            "建档工会",
            "本人在档案中的身份",
            "档案状态",
            "职工姓名",
            "职工身份证号码",
            "性别",
            "出生日期",
            "联系电话",
            "家庭住址",
            "行政区划代码",
            "工作单位",
            "单位性质",
            "就业状况",
            "劳动能力",
            "健康状况",
            "残疾等级",
            "农民工",
            "零就业家庭",
            "关停并转分流",
            "受经贸摩擦影响",
            "致困原因",
            "困难类别",
            "档案级别",
            "档案批次",
            "家庭人口",
            "建档日期",
            "享受低保起始月",
            "享受其他救助起始月",
            "备注",
            "上报状态",
            "退出（脱困、解困）日期",
            "跟踪期至",
            "返困日期",
            "返困原因",
            "返困前原档案",
            "返困后新档案",
            "已并入档案",
            "并入本档案的档案",
            "建档时间",
            "最近修改时间",
        ],
        rows,
    )
}

pub(super) fn members(held: &Held, id: &IdNumber) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for m in &f.members {
            rows.push(vec![
                file_no(f),
                text(m.name.clone()),
                text(m.relation.label()),
                m.id_number
                    .as_ref()
                    .map_or(Cell::Empty, |n| id_cell(id, n.as_str())),
                opt_text(m.id_number.as_ref().map(|i| i.sex().label())),
                opt_date(m.id_number.as_ref().and_then(IdNumber::birth_date)),
                text(m.health.label()),
                opt_text(m.disability_grade.map(|g| format!("{g} 级"))),
                text(m.schooling.label()),
                text(m.employment.label()),
                money(m.income),
            ]);
        }
    });
    sheet(
        "家庭成员",
        &[
            "档案编号",
            "姓名",
            "与职工关系",
            "身份证号码",
            "性别",
            "出生日期",
            "健康状况",
            "残疾等级",
            "就学阶段",
            "就业状况",
            "月收入（元）",
        ],
        rows,
    )
}

pub(super) fn incomes(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for i in &f.incomes {
            rows.push(vec![
                file_no(f),
                text(i.month.to_string()),
                money(i.wages),
                money(i.business),
                money(i.property),
                money(i.transfer),
                money(i.income()),
                money(i.medical),
                money(i.schooling),
                money(i.emergency),
                money(i.rigid()),
            ]);
        }
    });
    sheet(
        "家庭月收入",
        &[
            "档案编号",
            "月份",
            "工资性收入（元）",
            "经营净收入（元）",
            "财产净收入（元）",
            "转移净收入（元）",
            "可支配收入合计（元）",
            "医疗自付（元）",
            "子女就学（元）",
            "突发意外（元）",
            "刚性支出合计（元）",
        ],
        rows,
    )
}

pub(super) fn identification(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        let h = &f.household;
        rows.push(vec![
            file_no(f),
            text(h.decision.label()),
            text(condition(h.decision, h.decision_condition, h.data.migrant)),
            opt_time(h.decided_at),
        ]);
    });
    sheet(
        "识别结论",
        &["档案编号", "识别结论", "符合条件", "识别时间"],
        rows,
    )
}

pub(super) fn decisions(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for (e, _) in &f.exits {
            rows.push(vec![
                text(exit_no(e.id)),
                file_no(f),
                text(e.kind.label()),
                opt_text(e.pathway.map(|p| p.label())),
                opt_text(e.reason.map(|r| r.label())),
                text(e.status.label()),
                text(e.note.clone()),
                text(e.evidence.clone()),
                opt_date(e.notice_from),
                opt_date(e.notice_until),
                opt_date(e.decided_on),
                opt_text(e.revokes_id.map(exit_no)),
                opt_text(e.revoked_by_id.map(exit_no)),
                text(e.created_by_name.clone()),
                time(e.created_at),
            ]);
        }
    });
    sheet(
        "退出决定",
        &[
            "决定编号",
            "档案编号",
            "类别",
            "脱困路径",
            "退出原因",
            "状态",
            "情况说明",
            "佐证材料",
            "公示开始",
            "公示结束",
            "生效日期",
            "撤销的决定",
            "被以下决定撤销",
            "提出人",
            "提出时间",
        ],
        rows,
    )
}

pub(super) fn decision_steps(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for (e, steps) in &f.exits {
            for s in steps {
                rows.push(vec![
                    text(exit_no(e.id)),
                    file_no(f),
                    text(s.step.label()),
                    text(s.actor_name.clone()),
                    time(s.at),
                    text(s.note.clone()),
                ]);
            }
        }
    });
    sheet(
        "退出办理记录",
        &["决定编号", "档案编号", "环节", "办理人", "时间", "意见"],
        rows,
    )
}

pub(super) fn findings(held: &Held, id: &IdNumber) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for x in f.findings.iter().rev() {
            rows.push(vec![
                file_no(f),
                text(x.dataset.label.clone()),
                text(x.dataset.department.clone()),
                text(x.person_name.clone()),
                text(x.concern.label()),
                date(x.as_of),
                text(x.dataset_says.clone()),
                text(x.file_says.clone()),
                text(others_masked(id, &x.facts)),
                text(x.status.label()),
                opt_text(x.action.map(|a| a.label())),
                text(x.note.clone()),
                text(x.resolved_by_name.clone()),
                opt_time(x.resolved_at),
                time(x.created_at),
            ]);
        }
    });
    sheet(
        "部门核对发现",
        &[
            "档案编号",
            "数据集",
            "报送部门",
            "姓名",
            "涉及规则",
            "数据时点",
            "部门数据",
            "档案记载",
            "数据明细（原始数据）",
            "处置状态",
            "处置方式",
            "处置说明",
            "处置人",
            "处置时间",
            "发现时间",
        ],
        rows,
    )
}

pub(super) fn transfers(held: &Held) -> Sheet {
    let rows = per_file(held, |f, rows| {
        for t in f.transfers.iter().rev() {
            rows.push(vec![
                file_no(f),
                text(t.from_union_name.clone()),
                text(t.to_union_name.clone()),
                text(t.reason.clone()),
                text(t.status.label()),
                opt_text(t.answer.clone()),
                text(t.created_by_name.clone()),
                time(t.created_at),
                text(t.answered_by_name.clone()),
                opt_time(t.answered_at),
            ]);
        }
    });
    sheet(
        "档案转移",
        &[
            "档案编号",
            "转出工会",
            "转入工会",
            "理由",
            "状态",
            "答复",
            "申请人",
            "申请时间",
            "答复人",
            "答复时间",
        ],
        rows,
    )
}

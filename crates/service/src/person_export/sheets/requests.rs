//! The sheets of what the person asked for: their applications (with
//! their steps) and their temporary relief files.

use super::*;

pub(super) fn applications(held: &Held, id: &IdNumber) -> Sheet {
    let rows = held
        .applications
        .iter()
        .map(|a| {
            let app = &a.application;
            vec![
                text(application_no(app.id)),
                text(app.union_name.clone()),
                text(if app.channel == "online" {
                    "网上申请"
                } else {
                    "代为申请"
                }),
                text(app.status.label()),
                text(app.worker_name.clone()),
                id_cell(id, &app.worker_id_number),
                text(app.phone.clone()),
                text(app.division_code.clone()),
                opt_date(app.notice_from),
                opt_date(app.notice_until),
                linked(held, app.household_id),
                text(
                    a.documents
                        .iter()
                        .map(|d| d.name.clone())
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
                time(app.created_at),
                time(app.updated_at),
                text(others_masked(id, &app.data_json)),
            ]
        })
        .collect();
    sheet(
        "建档申请",
        &[
            "申请编号",
            "受理工会",
            "申请方式",
            "状态",
            "姓名",
            "身份证号码",
            "联系电话",
            "行政区划代码",
            "公示开始",
            "公示结束",
            "建立的档案",
            "申请材料",
            "提交时间",
            "最近办理时间",
            "申请表内容（原始数据）",
        ],
        rows,
    )
}

pub(super) fn application_steps(held: &Held, id: &IdNumber) -> Sheet {
    let mut rows = Vec::new();
    for a in &held.applications {
        for s in &a.steps {
            rows.push(vec![
                text(application_no(a.application.id)),
                text(s.step.label()),
                text(s.actor_name.clone()),
                time(s.at),
                text(others_masked(id, &s.detail_json)),
            ]);
        }
    }
    sheet(
        "申请办理记录",
        &["申请编号", "环节", "办理人", "时间", "办理内容（原始数据）"],
        rows,
    )
}

pub(super) fn temporary(held: &Held, id: &IdNumber) -> Sheet {
    let rows = held
        .temporary
        .iter()
        .map(|t| {
            let own = t.worker_id_number == *id;
            vec![
                int(t.id.0),
                text(t.union_name.clone()),
                text(t.worker_name.clone()),
                id_cell(id, t.worker_id_number.as_str()),
                text(if own {
                    t.phone.clone()
                } else {
                    mask_phone(&t.phone)
                }),
                text(t.address.clone()),
                text(t.employer.clone()),
                text(t.cause.label()),
                text(t.event.clone()),
                date(t.event_on),
                date(t.given_on),
                money(t.cash),
                opt_text(t.source.map(|s| s.label())),
                text(t.goods.clone()),
                money(t.goods_value),
                int(t.persons),
                text(t.status.label()),
                date(t.closes_on),
                opt_text(t.file_no.clone()),
                opt_text(t.closed_reason.clone()),
                opt_date(t.closed_on),
                text(t.created_by_name.clone()),
                time(t.created_at),
            ]
        })
        .collect();
    sheet(
        "临时救助档案",
        &[
            "登记号",
            "登记工会",
            "姓名",
            "身份证号码",
            "联系电话",
            "家庭住址",
            "工作单位",
            "致困原因",
            "事由",
            "发生日期",
            "救助日期",
            "救助金额（元）",
            "资金来源",
            "实物",
            "实物折价（元）",
            "受助人数",
            "状态",
            "到期日",
            "转正后的档案",
            "关闭原因",
            "关闭日期",
            "登记人",
            "登记时间",
        ],
        rows,
    )
}

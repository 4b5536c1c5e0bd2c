//! The fund audit (002, 004): checks over assistance and the ledger, and the
//! resolution of what they find; and the standards the over-standard check
//! reads (the most cash one act of a kind may give, per region).
//!
//! The checks run over the auditor's scope as a handful of set-based
//! queries (storage `findings`), read outside any write lock; only the new
//! findings and the audit entry are written, in one transaction. A finding
//! is stored once per (check, subject): running again adds what is new,
//! leaves open ones open and resolved ones resolved.
//!
//! Not on file: a file that left (exited, removed) counts as gone from the
//! day its decision took effect (`left_on`); a payment on or after that day
//! is a finding. A relieved file stays under regular assistance.

use crate::audit::{Record, Who};
use crate::clock::today;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::assistance::{
    Catalogue, Check, FindingId, FindingStatus, DUPLICATE_WINDOW_DAYS,
};
use bangfu_domain::audit::Action;
use bangfu_domain::division::{self, DivisionCode, NATIONAL};
use bangfu_domain::funds::{Source, TransferId};
use bangfu_domain::lines::ancestry;
use bangfu_domain::{Fen, Permission, UnionId, UnionPath, ValidationError};
use bangfu_storage::findings::{self, FindingFilter, NewFinding, Payment};
pub use bangfu_storage::findings::{Finding, Standard};
use bangfu_storage::{dictionary, ledger, unions, Conn, Page, PageRequest, Scope};
use serde_json::{json, Value};
use std::collections::HashMap;

/// What one run found, per check.
#[derive(Debug, Clone)]
pub struct CheckCount {
    pub check: Check,
    /// Rows the check matched in scope (new or already recorded).
    pub found: usize,
    /// Of those, recorded for the first time by this run.
    pub added: usize,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub checks: Vec<CheckCount>,
    pub found: usize,
    pub added: usize,
    pub millis: u128,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    pub check: Option<Check>,
    pub status: Option<FindingStatus>,
    /// Only the findings of this union's subtree.
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
}

/// How a finding is resolved.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// `explained` or `reversed`.
    pub status: String,
    /// The written explanation (required when explained).
    pub note: String,
    /// The reversed assistance record, when it was reversed.
    pub assistance_id: Option<i64>,
    /// The reversal transfer, when it was reversed.
    pub transfer_id: Option<i64>,
}

/// A standard to set (`max_cash` given) or remove (`None`).
#[derive(Debug, Clone, Default)]
pub struct StandardInput {
    pub kind: String,
    /// A GB/T 2260 code, or '' / 000000 for the whole country.
    pub division_code: String,
    pub max_cash: Option<Fen>,
}

/// Counts of findings by check and status.
pub type Counts = Vec<(Check, FindingStatus, i64)>;

fn kind_labels(c: &mut Conn) -> Result<HashMap<String, String>, ServiceError> {
    Ok(dictionary::labels(c, Catalogue::AssistanceKind)?)
}

fn payment_json(p: &Payment, labels: &HashMap<String, String>) -> Value {
    json!({
        "id": p.id,
        "kind": p.kind,
        "kind_label": labels.get(&p.kind).cloned().unwrap_or_else(|| p.kind.clone()),
        "given_on": p.given_on.to_string(),
        "cash": p.cash,
        "transfer_id": p.transfer_id,
        "measure_id": p.measure_id,
    })
}

fn household_json(p: &Payment) -> Value {
    json!({ "id": p.household_id, "worker_name": p.worker_name, "file_no": p.file_no })
}

fn on_payment(p: &Payment, check: Check, subject: String, evidence: Value) -> NewFinding {
    NewFinding {
        union_path: p.union_path.clone(),
        check,
        subject,
        household_id: Some(p.household_id),
        assistance_id: Some(p.id),
        transfer_id: p.transfer_id,
        amount: Some(Fen(p.cash)),
        evidence: evidence.to_string(),
    }
}

/// Every division code of the shipped table.
fn all_divisions() -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = division::children(None)
        .into_iter()
        .map(|d| d.code.clone())
        .collect();
    while let Some(code) = stack.pop() {
        stack.extend(
            division::children(Some(&code))
                .into_iter()
                .map(|d| d.code.clone()),
        );
        out.push(code);
    }
    out
}

/// The region a standard is stored under: '' for the whole country.
fn stored_region(code: &str) -> &str {
    if code == NATIONAL {
        ""
    } else {
        code
    }
}

fn region_name(code: &str) -> String {
    if code.is_empty() || code == NATIONAL {
        "全国".to_owned()
    } else {
        DivisionCode::parse(code)
            .map(|d| d.name())
            .unwrap_or_else(|_| code.to_owned())
    }
}

/// Runs every check over `scope` and returns what it found, per check.
fn run_checks(
    c: &mut Conn,
    scope: &Scope,
    pass_on_days: u32,
    today: chrono::NaiveDate,
) -> Result<Vec<(Check, Vec<NewFinding>)>, ServiceError> {
    let labels = kind_labels(c)?;
    let mut out = Vec::new();

    // Not on file at the payment date.
    let mut v = Vec::new();
    for (p, filed_on, status, left_on) in findings::not_on_file(c, scope)? {
        let closed = left_on.is_some_and(|d| p.given_on >= d);
        let evidence = json!({
            "payment": payment_json(&p, &labels),
            "household": household_json(&p),
            "filed_on": filed_on.to_string(),
            "status": status,
            "closed_on": left_on.map(|d| d.to_string()),
            "reason": if closed && filed_on <= p.given_on { "closed" } else { "filed_later" },
        });
        v.push(on_payment(
            &p,
            Check::NotOnFile,
            format!("a:{}", p.id),
            evidence,
        ));
    }
    out.push((Check::NotOnFile, v));

    // The same household, kind and amount twice within the window.
    let mut v = Vec::new();
    for (p, other, other_on, other_transfer) in
        findings::duplicates(c, scope, DUPLICATE_WINDOW_DAYS)?
    {
        let days = (other_on - p.given_on).num_days().abs();
        let evidence = json!({
            "household": household_json(&p),
            "kind": p.kind,
            "kind_label": labels.get(&p.kind).cloned().unwrap_or_else(|| p.kind.clone()),
            "cash": p.cash,
            "first": { "id": p.id, "given_on": p.given_on.to_string(), "transfer_id": p.transfer_id },
            "second": { "id": other, "given_on": other_on.to_string(), "transfer_id": other_transfer },
            "days": days,
            "window_days": DUPLICATE_WINDOW_DAYS,
        });
        v.push(NewFinding {
            union_path: p.union_path.clone(),
            check: Check::Duplicate,
            subject: format!("a:{}:{}", p.id, other),
            household_id: Some(p.household_id),
            assistance_id: Some(other),
            transfer_id: other_transfer,
            amount: Some(Fen(p.cash)),
            evidence: evidence.to_string(),
        });
    }
    out.push((Check::Duplicate, v));

    // Over the standard for the kind and the household's region: the
    // nearest region (the household's, its city's, province's, then the
    // country) with a standard decides. Each standard is one query over
    // the regions it decides for.
    let mut v = Vec::new();
    let standards = findings::standards(c)?;
    if !standards.is_empty() {
        let divisions = all_divisions();
        let mut by_kind: HashMap<&str, Vec<&Standard>> = HashMap::new();
        for s in &standards {
            by_kind.entry(s.kind.as_str()).or_default().push(s);
        }
        for (kind, list) in by_kind {
            let set: HashMap<&str, &Standard> = list
                .iter()
                .map(|s| (stored_region(&s.division_code), *s))
                .collect();
            // The regions each specific standard decides for.
            let mut owned: HashMap<&str, Vec<String>> = HashMap::new();
            for d in &divisions {
                let nearest = ancestry(d)
                    .into_iter()
                    .map(|a| if a == NATIONAL { String::new() } else { a })
                    .find(|a| set.contains_key(a.as_str()));
                if let Some(n) = nearest.filter(|n| !n.is_empty()) {
                    if let Some((k, _)) = set.get_key_value(n.as_str()) {
                        owned.entry(k).or_default().push(d.clone());
                    }
                }
            }
            for s in &list {
                let region = stored_region(&s.division_code);
                let (codes, except) = if region.is_empty() {
                    (owned.values().flatten().cloned().collect::<Vec<_>>(), true)
                } else {
                    (owned.get(region).cloned().unwrap_or_default(), false)
                };
                for (p, hh_code) in
                    findings::over_standard(c, scope, kind, s.max_cash, &codes, except)?
                {
                    let evidence = json!({
                        "payment": payment_json(&p, &labels),
                        "household": household_json(&p),
                        "household_region": hh_code,
                        "household_region_name": region_name(&hh_code),
                        "standard": {
                            "kind": kind,
                            "division_code": region,
                            "region_name": region_name(region),
                            "max_cash": s.max_cash.0,
                        },
                        "excess": p.cash - s.max_cash.0,
                    });
                    v.push(on_payment(
                        &p,
                        Check::OverStandard,
                        format!("a:{}", p.id),
                        evidence,
                    ));
                }
            }
        }
    }
    v.sort_by_key(|a| a.assistance_id);
    out.push((Check::OverStandard, v));

    // Cash without an approved measure at the time.
    let mut v = Vec::new();
    for (p, m) in findings::without_measure(c, scope)? {
        let reason =
            if p.measure_id.is_none() || m.plan_id.is_none() && m.measure_household.is_none() {
                "no_measure"
            } else if m.measure_household != Some(p.household_id) {
                "other_household"
            } else if m.plan_status.as_deref() != Some("approved") || m.approved_at.is_none() {
                "plan_not_approved"
            } else {
                "approved_later"
            };
        let evidence = json!({
            "payment": payment_json(&p, &labels),
            "household": household_json(&p),
            "reason": reason,
            "measure": m.content,
            "measure_household_id": m.measure_household,
            "plan_id": m.plan_id,
            "plan_year": m.plan_year,
            "plan_status": m.plan_status,
            "approved_on": m.approved_at.map(|t| t.date().to_string()),
        });
        v.push(on_payment(
            &p,
            Check::NoMeasure,
            format!("a:{}", p.id),
            evidence,
        ));
    }
    out.push((Check::NoMeasure, v));

    // Allocations never passed on.
    let mut v = Vec::new();
    let before = today - chrono::Duration::days(i64::from(pass_on_days) + 1);
    let allocations: Vec<_> = findings::unspent_allocations(c, scope, before)?
        .into_iter()
        .filter(|(a, last)| last.is_none_or(|d| d < a.on_date))
        .collect();
    let mut ids: Vec<i64> = allocations
        .iter()
        .flat_map(|(a, _)| [Some(a.union_id), a.to_union_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = findings::union_names(c, &ids)?;
    for (a, last) in allocations {
        let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
        let evidence = json!({
            "allocation": {
                "id": a.id,
                "on_date": a.on_date.to_string(),
                "amount": a.amount,
                "source": a.source,
                "source_label": Source::parse(&a.source).map(|s| s.label()).unwrap_or(""),
                "memo": a.memo,
            },
            "from_union": { "id": a.union_id, "name": name(Some(a.union_id)) },
            "to_union": { "id": a.to_union_id, "name": name(a.to_union_id) },
            "account_id": a.account_id,
            "last_outflow": last.map(|d| d.to_string()),
            "days": (today - a.on_date).num_days(),
            "pass_on_days": pass_on_days,
        });
        v.push(NewFinding {
            union_path: a.account_path.clone(),
            check: Check::NotPassedOn,
            subject: format!("t:{}", a.id),
            household_id: None,
            assistance_id: None,
            transfer_id: Some(a.id),
            amount: Some(Fen(a.amount)),
            evidence: evidence.to_string(),
        });
    }
    out.push((Check::NotPassedOn, v));
    Ok(out)
}

/// Records what a run found (new findings only) and the run itself, as an
/// audit entry of `who` under `union`, in the caller's transaction.
pub(crate) fn record_run(
    c: &mut Conn,
    found: &[(Check, Vec<NewFinding>)],
    union: (i64, &UnionPath),
    who: Who<'_>,
) -> Result<RunSummary, ServiceError> {
    let at = now();
    let mut checks = Vec::new();
    for (check, list) in found {
        let added = findings::record(c, list, at)?;
        checks.push(CheckCount {
            check: *check,
            found: list.len(),
            added,
        });
    }
    let counts: serde_json::Map<String, Value> = checks
        .iter()
        .map(|k| {
            (
                k.check.code().to_owned(),
                json!({ "found": k.found, "added": k.added }),
            )
        })
        .collect();
    Record::of(Action::RunFundAudit, "finding", "run", union)
        .after(Value::Object(counts))
        .write(c, who)?;
    let found = checks.iter().map(|k| k.found).sum();
    let added = checks.iter().map(|k| k.added).sum();
    Ok(RunSummary {
        checks,
        found,
        added,
        millis: 0,
    })
}

/// Runs every check over the whole tree and records what is new, as the
/// operator: the generator's run at the end of loading the demo, so its
/// auditors find the planted problems without pressing 运行 first.
#[cfg(feature = "seeding")]
pub(crate) fn run_as_operator(c: &mut Conn, pass_on_days: u32) -> Result<RunSummary, ServiceError> {
    let Some(root) = unions::root(c)? else {
        return Ok(RunSummary {
            checks: Vec::new(),
            found: 0,
            added: 0,
            millis: 0,
        });
    };
    let scope = Scope::of(root.path.clone());
    let found = run_checks(c, &scope, pass_on_days, today())?;
    record_run(c, &found, (root.id.0, &root.path), Who::Operator)
}

fn union_of(path: &UnionPath) -> i64 {
    path.ids().last().map(|u| u.0).unwrap_or(0)
}

impl Services {
    /// Runs every check over the auditor's scope and records what is new.
    pub async fn fund_audit_run(&self, actor: &Actor) -> Result<RunSummary, ServiceError> {
        actor.require(Permission::RunFundAudit)?;
        let started = std::time::Instant::now();
        let scope = actor.scope();
        let days = self.settings().pass_on_days;
        let found = self
            .read(move |c| run_checks(c, &scope, days, today()))
            .await?;
        let a = actor.clone();
        let mut summary = self
            .write(move |c| {
                let union = (a.user.union_id.0, &a.user.union_path);
                record_run(c, &found, union, Who::Actor(&a))
            })
            .await?;
        summary.millis = started.elapsed().as_millis();
        Ok(summary)
    }

    /// One page of findings in scope.
    pub async fn fund_audit_findings(
        &self,
        actor: &Actor,
        q: FindingQuery,
        page: PageRequest,
    ) -> Result<Page<Finding>, ServiceError> {
        actor.require(Permission::RunFundAudit)?;
        let scope = actor.scope();
        self.read(move |c| {
            let under = match q.union_id {
                Some(u) => Some(Scope::of(
                    unions::find(c, &scope, UnionId(u))?
                        .ok_or(ServiceError::NotFound("工会"))?
                        .path,
                )),
                None => None,
            };
            let filter = FindingFilter {
                check: q.check,
                status: q.status,
                under,
                household_id: q.household_id,
            };
            Ok(findings::list(c, &scope, &filter, page)?)
        })
        .await
    }

    /// One finding in scope.
    pub async fn fund_audit_finding(
        &self,
        actor: &Actor,
        id: FindingId,
    ) -> Result<Finding, ServiceError> {
        actor.require(Permission::RunFundAudit)?;
        let scope = actor.scope();
        self.read(move |c| findings::find(c, &scope, id)?.ok_or(ServiceError::NotFound("审计问题")))
            .await
    }

    /// Counts by check and status in scope.
    pub async fn fund_audit_counts(&self, actor: &Actor) -> Result<Counts, ServiceError> {
        actor.require(Permission::RunFundAudit)?;
        let scope = actor.scope();
        self.read(move |c| Ok(findings::counts(c, &scope)?)).await
    }

    /// The unions in scope that have findings, for the filter.
    pub async fn fund_audit_unions(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        actor.require(Permission::RunFundAudit)?;
        let scope = actor.scope();
        self.read(move |c| Ok(findings::unions_with_findings(c, &scope)?))
            .await
    }

    /// Resolves an open finding: explained (with a written explanation) or
    /// reversed (optionally naming the reversed record or the reversal).
    pub async fn fund_audit_resolve(
        &self,
        actor: &Actor,
        id: FindingId,
        r: Resolution,
    ) -> Result<Finding, ServiceError> {
        actor.require(Permission::RunFundAudit)?;
        let status = match r.status.trim() {
            "explained" | "已说明" => FindingStatus::Explained,
            "reversed" | "已冲销" => FindingStatus::Reversed,
            _ => {
                return Err(ValidationError::new(
                    "status",
                    "处理方式应为 explained（已说明）或 reversed（已冲销）",
                )
                .into())
            }
        };
        let note = r.note.trim().to_owned();
        if status == FindingStatus::Explained && note.is_empty() {
            return Err(ValidationError::new("note", "请填写说明").into());
        }
        if note.chars().count() > 2000 {
            return Err(ValidationError::new("note", "说明不能超过 2000 字").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let f = findings::find(c, &scope, id)?.ok_or(ServiceError::NotFound("审计问题"))?;
            if f.status != FindingStatus::Open {
                return Err(ServiceError::Conflict {
                    field: "status",
                    message: format!("该问题已处理（{}），不能再次处理", f.status.label()),
                });
            }
            if let Some(x) = r.assistance_id {
                match findings::assistance_status(c, &scope, x)? {
                    Some((_, s)) if s == "reversed" => {}
                    Some(_) => {
                        return Err(ValidationError::new(
                            "assistance_id",
                            format!("帮扶记录 {x} 尚未冲销"),
                        )
                        .into())
                    }
                    None => {
                        return Err(ValidationError::new(
                            "assistance_id",
                            format!("帮扶记录 {x} 不存在或不在您的权限范围内"),
                        )
                        .into())
                    }
                }
            }
            if let Some(t) = r.transfer_id {
                match ledger::find_transfer(c, &scope, TransferId(t))? {
                    Some(tr) if tr.kind == "reversal" => {}
                    Some(_) => {
                        return Err(ValidationError::new(
                            "transfer_id",
                            format!("资金业务 {t} 不是冲销业务"),
                        )
                        .into())
                    }
                    None => {
                        return Err(ValidationError::new(
                            "transfer_id",
                            format!("资金业务 {t} 不存在或不在您的权限范围内"),
                        )
                        .into())
                    }
                }
            }
            if status == FindingStatus::Explained
                && (r.assistance_id.is_some() || r.transfer_id.is_some())
            {
                return Err(
                    ValidationError::new("status", "关联冲销记录时，处理方式应为“已冲销”").into(),
                );
            }
            let resolution = json!({
                "note": note,
                "assistance_id": r.assistance_id,
                "transfer_id": r.transfer_id,
            });
            if !findings::resolve(c, id, status, &resolution.to_string(), a.user.id.0, now())? {
                return Err(ServiceError::Conflict {
                    field: "status",
                    message: "该问题已被他人处理".into(),
                });
            }
            let path = UnionPath::from_stored(f.union_path.clone());
            Record::of(
                Action::ResolveFinding,
                "finding",
                id,
                (union_of(&path), &path),
            )
            .before(
                json!({ "status": f.status.code(), "check": f.check.code(), "subject": f.subject }),
            )
            .after(json!({ "status": status.code(), "resolution": resolution }))
            .write(c, Who::Actor(&a))?;
            findings::find(c, &scope, id)?.ok_or(ServiceError::NotFound("审计问题"))
        })
        .await
    }

    /// The standards (readable with ReadAssistance or RunFundAudit).
    pub async fn standards(&self, actor: &Actor) -> Result<Vec<Standard>, ServiceError> {
        actor.require(if actor.can(Permission::RunFundAudit) {
            Permission::RunFundAudit
        } else {
            Permission::ReadAssistance
        })?;
        self.read(|c| Ok(findings::standards(c)?)).await
    }

    /// The kinds of assistance (code, label), for the standards form.
    pub async fn standard_kinds(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, String)>, ServiceError> {
        actor.require(if actor.can(Permission::ManageCatalogues) {
            Permission::ManageCatalogues
        } else if actor.can(Permission::RunFundAudit) {
            Permission::RunFundAudit
        } else {
            Permission::ReadAssistance
        })?;
        self.read(|c| {
            Ok(dictionary::list(c, Some(Catalogue::AssistanceKind), false)?
                .into_iter()
                .map(|e| (e.code, e.label))
                .collect())
        })
        .await
    }

    /// Sets or removes one standard (ManageCatalogues), within the region
    /// of the administrator's union; the whole country only from the top.
    pub async fn standard_set(
        &self,
        actor: &Actor,
        input: StandardInput,
    ) -> Result<Vec<Standard>, ServiceError> {
        actor.require(Permission::ManageCatalogues)?;
        let kind = input.kind.trim().to_owned();
        let raw = input.division_code.trim();
        let region = if raw.is_empty() || raw == NATIONAL {
            String::new()
        } else {
            DivisionCode::parse(raw)?.as_str().to_owned()
        };
        if let Some(m) = input.max_cash {
            bangfu_domain::funds::check_amount("max_cash", m)?;
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            if dictionary::find(c, Catalogue::AssistanceKind, &kind)?.is_none() {
                return Err(ValidationError::new("kind", format!("帮扶类别“{kind}”不存在")).into());
            }
            let own =
                unions::find(c, &scope, a.user.union_id)?.ok_or(ServiceError::NotFound("工会"))?;
            let inside = if region.is_empty() {
                own.division_code == NATIONAL
            } else {
                division::is_within(&region, &own.division_code)
            };
            if !inside {
                return Err(ValidationError::new(
                    "division_code",
                    format!(
                        "只能设置本工会所在地区（{}）及其下级地区的标准",
                        region_name(&own.division_code)
                    ),
                )
                .into());
            }
            let before = findings::standard(c, &kind, &region)?;
            match input.max_cash {
                Some(m) => findings::set_standard(c, &kind, &region, m, Some(a.user.id.0), now())?,
                None => {
                    if !findings::remove_standard(c, &kind, &region)? {
                        return Err(ServiceError::NotFound("发放标准"));
                    }
                }
            }
            Record::of(
                Action::SetStandard,
                "standard",
                format!(
                    "{kind}:{}",
                    if region.is_empty() { NATIONAL } else { &region }
                ),
                (a.user.union_id.0, &a.user.union_path),
            )
            .before_opt(
                before.map(|b| json!({ "kind": kind, "division_code": region, "max_cash": b.0 })),
            )
            .after_opt(
                input
                    .max_cash
                    .map(|m| json!({ "kind": kind, "division_code": region, "max_cash": m.0 })),
            )
            .write(c, Who::Actor(&a))?;
            Ok(findings::standards(c)?)
        })
        .await
    }
}

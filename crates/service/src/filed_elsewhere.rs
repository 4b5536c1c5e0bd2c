//! Someone typed in is already in another union's open file.
//!
//! One person, one open file: a filing (or an edit, an import, an
//! application) naming a person on another union's file is refused with a
//! message that names that union, so the officer knows whom to call. That
//! answer is a lookup across the whole country by ID number, so every such
//! refusal is audited (who asked about whom), and one user (or, on the
//! public application form, one address) may trigger only so many in an
//! hour: beyond that, filings are refused with 429 for the rest of the hour
//! and name no union.

use crate::audit::{Record, Who};
use crate::{now, Actor, Origin, ServiceError};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{HouseholdData, HouseholdId, Member};
use bangfu_domain::UnionPath;
use bangfu_storage::{households, rate, Conn};
use chrono::Duration as ChronoDuration;
use serde_json::{json, Value};

/// The window of the per-user limit.
const WINDOW_SECS: i64 = 3600;

/// A person of a filing found in another open file.
pub(crate) struct Found {
    /// The input field the person came from.
    pub field: &'static str,
    pub name: String,
    /// The ID number, masked as everywhere in the log (first 4 + last 4).
    pub id_masked: String,
    pub holder: HouseholdId,
    pub union_name: String,
}

impl Found {
    /// The 409 that names the union holding the file (never the file).
    pub fn conflict(&self) -> ServiceError {
        ServiceError::Conflict {
            field: self.field,
            message: held_elsewhere(&self.name, &self.id_masked, &self.union_name),
        }
    }

    fn audit(&self) -> Value {
        json!({
            "name": self.name,
            "id_number": self.id_masked,
            "field": self.field,
            "holder_union": self.union_name,
            "holder_household_id": self.holder.0,
        })
    }
}

/// The message for a person held in another open file.
pub(crate) fn held_elsewhere(name: &str, id_masked: &str, union_name: &str) -> String {
    format!(
        "{name}（{id_masked}）已在{union_name}的在档困难职工家庭中，一人只能属于一个在档家庭；如需转档，请联系该工会"
    )
}

/// The first person of the worker and the members (those with an ID
/// number) who is in an open file other than `this`.
pub(crate) fn find(
    c: &mut Conn,
    this: Option<HouseholdId>,
    data: &HouseholdData,
    members: &[Member],
) -> Result<Option<Found>, ServiceError> {
    let people = std::iter::once((
        "worker_id_number",
        data.worker_name.as_str(),
        &data.worker_id_number,
    ))
    .chain(members.iter().filter_map(|m| {
        m.id_number
            .as_ref()
            .map(|i| ("members", m.name.as_str(), i))
    }));
    for (field, name, id) in people {
        if let Some((holder, union_name)) = households::open_holder(c, id.as_str())? {
            if Some(holder) != this {
                return Ok(Some(Found {
                    field,
                    name: name.to_owned(),
                    id_masked: id.masked(),
                    holder,
                    union_name,
                }));
            }
        }
    }
    Ok(None)
}

/// Who is asking: a signed-in user, or an applicant on the public form.
#[derive(Clone, Copy)]
pub(crate) enum Asker<'a> {
    User(&'a Actor),
    Public(&'a Origin),
}

impl Asker<'_> {
    fn bucket(&self) -> String {
        match self {
            Asker::User(a) => format!("filed_elsewhere:user:{}", a.user.id.0),
            Asker::Public(o) => format!("filed_elsewhere:address:{}", o.throttle_key()),
        }
    }

    fn who(&self) -> Who<'_> {
        match *self {
            Asker::User(a) => Who::Actor(a),
            Asker::Public(origin) => Who::Attempt {
                username: "(网上申请)",
                user_id: None,
                origin,
            },
        }
    }
}

/// What a refused filing is, for the log: where it was being filed and how.
pub(crate) struct Filing<'a> {
    /// `create_household`, `update_household`, `import_households`, `submit_application`.
    pub context: &'static str,
    /// The union the filing belongs to (its audit entry is read by the
    /// auditors over that union).
    pub union: (i64, &'a UnionPath),
}

fn too_many(retry_after: u64) -> ServiceError {
    ServiceError::TooMany {
        code: "too_many_lookups",
        message: format!(
            "一小时内查到其他工会在档人员的次数过多，暂停建档，请 {} 分钟后再试；如确需核对，请联系上级工会",
            retry_after.div_ceil(60).max(1)
        ),
        retry_after,
    }
}

fn window_from(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    at - ChronoDuration::seconds(WINDOW_SECS)
}

fn seconds_left(window_start: chrono::NaiveDateTime, at: chrono::NaiveDateTime) -> u64 {
    let end = window_start + ChronoDuration::seconds(WINDOW_SECS);
    u64::try_from((end - at).num_seconds()).unwrap_or(0).max(1)
}

/// Refuses at once, before anyone is looked up, an asker who has used up
/// the hour's refusals.
pub(crate) fn check_allowance(
    c: &mut Conn,
    asker: Asker<'_>,
    limit: i32,
) -> Result<Option<ServiceError>, ServiceError> {
    let at = now();
    Ok(rate::current(c, &asker.bucket(), window_from(at))?
        .filter(|n| n.hits >= limit)
        .map(|n| too_many(seconds_left(n.window_start, at))))
}

/// Counts `people` refusals for the asker and audits them in one entry.
/// `None` when the asker is within the hour's allowance (the caller answers
/// its 409 naming the union), else the 429 to answer instead (naming none).
pub(crate) fn refuse(
    c: &mut Conn,
    asker: Asker<'_>,
    limit: i32,
    filing: &Filing<'_>,
    people: Vec<Value>,
) -> Result<Option<ServiceError>, ServiceError> {
    let at = now();
    let n = i32::try_from(people.len()).unwrap_or(i32::MAX);
    let count = rate::hit(c, &asker.bucket(), n, at, window_from(at))?;
    let within = count.hits <= limit;
    Record {
        action: Action::FiledElsewhere,
        object_kind: "person",
        object_id: None,
        union: Some(filing.union),
        before: None,
        after: Some(json!({
            "context": filing.context,
            "people": people,
            "answer": if within { "conflict" } else { "too_many" },
            "count_this_hour": count.hits,
        })),
        success: false,
    }
    .write(c, asker.who())?;
    Ok((!within).then(|| too_many(seconds_left(count.window_start, at))))
}

/// The guard a filing passes in its write transaction before it writes
/// anything: `Some(refusal)` to answer (and commit, so the audit entry and
/// the count stay), `None` to go on.
pub(crate) fn guard(
    c: &mut Conn,
    asker: Asker<'_>,
    limit: i32,
    filing: &Filing<'_>,
    this: Option<HouseholdId>,
    data: &HouseholdData,
    members: &[Member],
) -> Result<Option<ServiceError>, ServiceError> {
    if let Some(refusal) = check_allowance(c, asker, limit)? {
        return Ok(Some(refusal));
    }
    let Some(found) = find(c, this, data, members)? else {
        return Ok(None);
    };
    let refusal = refuse(c, asker, limit, filing, vec![found.audit()])?;
    Ok(Some(refusal.unwrap_or_else(|| found.conflict())))
}

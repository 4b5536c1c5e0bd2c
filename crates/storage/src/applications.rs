//! Applications for filing, their steps and supporting documents.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, page_of, update_at_version, Optional};
use crate::schema::{application_files, application_steps, applications, unions};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::application::{AppStatus, ApplicationId, Step};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::id_number::{mask_id_number, mask_phone};
use bangfu_domain::{UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Application {
    pub id: ApplicationId,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub channel: String,
    pub status: AppStatus,
    pub worker_name: String,
    pub worker_id_number: String,
    pub phone: String,
    pub division_code: String,
    pub data_json: String,
    pub notice_from: Option<NaiveDate>,
    pub notice_until: Option<NaiveDate>,
    pub household_id: Option<HouseholdId>,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Application {
    /// The application as a reader sees it: ID number and phone masked, the
    /// submitted data (which holds every member's number) left out. The
    /// service decides when to call it.
    pub fn masked(self) -> Self {
        Self {
            worker_id_number: mask_id_number(&self.worker_id_number),
            phone: mask_phone(&self.phone),
            data_json: String::new(),
            ..self
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = applications)]
struct Row {
    id: i64,
    union_id: i64,
    union_path: String,
    channel: String,
    status: String,
    worker_name: String,
    worker_id_number: String,
    phone: String,
    division_code: String,
    data_json: String,
    notice_from: Option<NaiveDate>,
    notice_until: Option<NaiveDate>,
    household_id: Option<i64>,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The sealed columns (see `at_rest`).
const ID_NUMBER: &str = "applications.worker_id_number";
const PHONE: &str = "applications.phone";
const DATA: &str = "applications.data_json";

fn convert(conn: &Conn, (r, union_name): (Row, String)) -> Result<Application, StorageError> {
    Ok(Application {
        id: ApplicationId(r.id),
        union_id: UnionId(r.union_id),
        union_name,
        union_path: UnionPath::from_stored(r.union_path),
        channel: r.channel,
        status: AppStatus::parse(&r.status)
            .map_err(|_| StorageError::Corrupt(format!("application {} status", r.id)))?,
        worker_name: r.worker_name,
        worker_id_number: conn.open(ID_NUMBER, &r.worker_id_number)?,
        phone: conn.open(PHONE, &r.phone)?,
        division_code: r.division_code,
        data_json: conn.open(DATA, &r.data_json)?,
        notice_from: r.notice_from,
        notice_until: r.notice_until,
        household_id: r.household_id.map(HouseholdId),
        version: r.version,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

#[derive(Debug, Clone)]
pub struct NewApplication<'a> {
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub channel: &'a str,
    pub worker_name: &'a str,
    pub worker_id_number: &'a str,
    pub phone: &'a str,
    pub division_code: &'a str,
    pub data_json: &'a str,
    pub created_by: Option<i64>,
}

pub fn insert(
    conn: &mut Conn,
    a: &NewApplication<'_>,
    now: NaiveDateTime,
) -> Result<ApplicationId, StorageError> {
    let id_number = conn.seal(ID_NUMBER, a.worker_id_number)?;
    let index = conn.index(a.worker_id_number)?;
    let phone = conn.seal(PHONE, a.phone)?;
    let data = conn.seal(DATA, a.data_json)?;
    let id = insert_returning_id!(
        conn,
        applications,
        (
            applications::union_id.eq(a.union_id.0),
            applications::union_path.eq(a.union_path.as_str()),
            applications::channel.eq(a.channel),
            applications::status.eq(AppStatus::Submitted.code()),
            applications::worker_name.eq(a.worker_name),
            applications::worker_id_number.eq(&id_number),
            applications::worker_id_index.eq(Some(&index)),
            applications::phone.eq(&phone),
            applications::division_code.eq(a.division_code),
            applications::data_json.eq(&data),
            applications::version.eq(1_i64),
            applications::created_by.eq(a.created_by),
            applications::created_at.eq(now),
            applications::updated_at.eq(now),
        )
    )?;
    Ok(ApplicationId(id))
}

pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: ApplicationId,
) -> Result<Option<Application>, StorageError> {
    let row: Option<(Row, String)> = run!(conn, c => applications::table
        .inner_join(unions::table)
        .filter(applications::id.eq(id.0))
        .filter(scope.covers(applications::union_path))
        .select((Row::as_select(), unions::name))
        .first(c)
        .optional())?;
    row.map(|r| convert(conn, r)).transpose()
}

/// The applications of one person (the applicant's status check and the
/// one-open-application rule), newest first; unscoped because the applicant
/// has no scope, so callers must check the phone number before showing anything.
pub fn by_worker(conn: &mut Conn, id_number: &str) -> Result<Vec<Application>, StorageError> {
    let indexes = conn.indexes(id_number)?;
    let rows: Vec<(Row, String)> = run!(conn, c => applications::table
        .inner_join(unions::table)
        .filter(applications::worker_id_index.eq_any(&indexes))
        .order(applications::id.desc())
        .select((Row::as_select(), unions::name))
        .load(c))?;
    rows.into_iter().map(|r| convert(conn, r)).collect()
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub status: Option<AppStatus>,
    /// Only those still being decided.
    pub open: bool,
    pub q: Option<String>,
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ApplicationFilter,
    page: PageRequest,
) -> Result<Page<Application>, StorageError> {
    let open: Vec<&str> = [AppStatus::Submitted, AppStatus::Reviewed, AppStatus::Notice]
        .iter()
        .map(|s| s.code())
        .collect();
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_uppercase);
    // A whole ID number is found by its blind index (the number is sealed).
    let indexes: Vec<String> = match q.as_deref() {
        Some(q) if q.len() == 18 => conn.indexes(q)?,
        _ => Vec::new(),
    };
    macro_rules! filtered {
        () => {
            applications::table
                .inner_join(unions::table)
                .filter(scope.covers(applications::union_path))
                .into_boxed()
                .if_some(filter.status, |b, s| {
                    b.filter(applications::status.eq(s.code()))
                })
                .if_some(filter.open.then_some(()), |b, ()| {
                    b.filter(applications::status.eq_any(open.clone()))
                })
                .if_some(q.as_deref(), |b, q| match q.len() {
                    18 => b.filter(applications::worker_id_index.eq_any(indexes.clone())),
                    _ => b.filter(
                        applications::worker_name
                            .like(crate::like_pattern(q))
                            .escape('\\'),
                    ),
                })
        };
    }
    let (rows, total): (Vec<(Row, String)>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: applications::id.desc(),
        select: (Row::as_select(), unions::name)))?;
    Ok(page.of(
        rows.into_iter()
            .map(|r| convert(conn, r))
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Moves an application to `status` if it is still at `version`; false when
/// someone else acted on it first.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    conn: &mut Conn,
    id: ApplicationId,
    version: i64,
    status: AppStatus,
    notice: Option<(NaiveDate, NaiveDate)>,
    household: Option<HouseholdId>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let status = (
        applications::status.eq(status.code()),
        applications::updated_at.eq(now),
    );
    if !update_at_version!(conn, applications, id.0, version, status)? {
        return Ok(false);
    }
    if let Some((from, until)) = notice {
        run!(conn, c => diesel::update(applications::table.filter(applications::id.eq(id.0)))
            .set((
                applications::notice_from.eq(Some(from)),
                applications::notice_until.eq(Some(until)),
            ))
            .execute(c))?;
    }
    if let Some(h) = household {
        run!(conn, c => diesel::update(applications::table.filter(applications::id.eq(id.0)))
            .set(applications::household_id.eq(Some(h.0)))
            .execute(c))?;
    }
    Ok(true)
}

#[derive(Debug, Clone)]
pub struct StepRecord {
    pub step: Step,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: NaiveDateTime,
    pub detail_json: String,
    pub decision_json: Option<String>,
}

/// The sealed column of what each step of an application recorded (the
/// review visit's findings, an objection, the approver's note).
pub(crate) const STEP_DETAIL: &str = "application_steps.detail_json";

pub fn add_step(conn: &mut Conn, id: ApplicationId, s: &StepRecord) -> Result<(), StorageError> {
    let detail = conn.seal(STEP_DETAIL, &s.detail_json)?;
    run!(conn, c => diesel::insert_into(application_steps::table)
        .values((
            application_steps::application_id.eq(id.0),
            application_steps::step.eq(s.step.code()),
            application_steps::actor_id.eq(s.actor_id),
            application_steps::actor_name.eq(&s.actor_name),
            application_steps::at.eq(s.at),
            application_steps::detail_json.eq(&detail),
            application_steps::decision_json.eq(&s.decision_json),
        ))
        .execute(c))?;
    Ok(())
}

pub fn steps(conn: &mut Conn, id: ApplicationId) -> Result<Vec<StepRecord>, StorageError> {
    type R = (
        String,
        Option<i64>,
        String,
        NaiveDateTime,
        String,
        Option<String>,
    );
    let rows: Vec<R> = run!(conn, c => application_steps::table
        .filter(application_steps::application_id.eq(id.0))
        .order(application_steps::id.asc())
        .select((
            application_steps::step,
            application_steps::actor_id,
            application_steps::actor_name,
            application_steps::at,
            application_steps::detail_json,
            application_steps::decision_json,
        ))
        .load(c))?;
    rows.into_iter()
        .map(
            |(step, actor_id, actor_name, at, detail_json, decision_json)| {
                Ok(StepRecord {
                    step: Step::parse(&step).ok_or_else(|| {
                        StorageError::Corrupt(format!("application {id} step {step}"))
                    })?,
                    actor_id,
                    actor_name,
                    at,
                    detail_json: conn.open(STEP_DETAIL, &detail_json)?,
                    decision_json,
                })
            },
        )
        .collect()
}

/// A stored document without its bytes.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: NaiveDateTime,
}

/// The columns a [`FileInfo`] is read from.
macro_rules! file_columns {
    () => {
        (
            application_files::id,
            application_files::name,
            application_files::content_type,
            application_files::size,
            application_files::created_at,
        )
    };
}

pub fn add_file(
    conn: &mut Conn,
    id: ApplicationId,
    name: &str,
    content_type: &str,
    data: &[u8],
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let size = i64::try_from(data.len()).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let data = conn.seal_bytes(crate::at_rest::files::APPLICATION, data)?;
    run!(conn, c => diesel::insert_into(application_files::table)
        .values((
            application_files::application_id.eq(id.0),
            application_files::name.eq(name),
            application_files::content_type.eq(content_type),
            application_files::size.eq(size),
            application_files::data.eq(&data),
            application_files::created_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

pub fn files(conn: &mut Conn, id: ApplicationId) -> Result<Vec<FileInfo>, StorageError> {
    let rows: Vec<(i64, String, String, i64, NaiveDateTime)> = run!(conn, c => application_files::table
        .filter(application_files::application_id.eq(id.0))
        .order(application_files::id.asc())
        .select(file_columns!())
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(id, name, content_type, size, created_at)| FileInfo {
            id,
            name,
            content_type,
            size,
            created_at,
        })
        .collect())
}

/// One document's bytes, if it belongs to the application.
pub fn file_data(
    conn: &mut Conn,
    id: ApplicationId,
    file: i64,
) -> Result<Option<(FileInfo, Vec<u8>)>, StorageError> {
    type R = ((i64, String, String, i64, NaiveDateTime), Vec<u8>);
    let row: Option<R> = run!(conn, c => application_files::table
        .filter(application_files::application_id.eq(id.0))
        .filter(application_files::id.eq(file))
        .select((file_columns!(), application_files::data))
        .first(c)
        .optional())?;
    row.map(|((id, name, content_type, size, created_at), data)| {
        Ok((
            FileInfo {
                id,
                name,
                content_type,
                size,
                created_at,
            },
            conn.open_bytes(crate::at_rest::files::APPLICATION, &data)?,
        ))
    })
    .transpose()
}

//! Reading everything held about one person in a scope, through the same
//! storage functions (and the same `Scope`) the pages and the API read with.

use bangfu_domain::assistance::Catalogue;
use bangfu_domain::household::{HouseholdId, Member, MonthlyIncome};
use bangfu_domain::IdNumber;
use bangfu_storage::applications::{self, Application, ApplicationFilter, FileInfo};
use bangfu_storage::assistance::{self as aid, Assistance};
use bangfu_storage::exits::{self, Exit, ExitFilter};
use bangfu_storage::households::{self, Household, MergeLinks};
use bangfu_storage::plans::{self, Measure, Pairing, Plan};
use bangfu_storage::referrals::{self, Referral, ReferralFilter};
use bangfu_storage::subsidies::{self, Subsidy, SubsidyFilter};
use bangfu_storage::temporary_files::{self, TemporaryFile, TemporaryFilter};
use bangfu_storage::transfers::{self, Transfer, TransferFilter};
use bangfu_storage::verification::{self, Finding, FindingFilter};
use bangfu_storage::visits::{self, Visit};
use bangfu_storage::{dictionary, Conn, Page, PageRequest, Scope, StorageError};
use chrono::NaiveDate;
use std::collections::HashMap;

/// What a scope holds about one person.
pub(super) struct Held {
    /// The files they are in, oldest first.
    pub files: Vec<FileHeld>,
    /// The applications they made, newest first.
    pub applications: Vec<ApplicationHeld>,
    /// Their temporary relief files, and those their files were converted from.
    pub temporary: Vec<TemporaryFile>,
    /// The file numbers of files in scope that the files link to (a
    /// reopening, a merge) or an application filed, without the person
    /// being in them.
    pub linked: HashMap<HouseholdId, String>,
    /// The catalogues' labels by kind and code.
    pub labels: HashMap<Catalogue, HashMap<String, String>>,
    /// The name the person bears in their newest record.
    pub name: String,
}

impl Held {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.applications.is_empty() && self.temporary.is_empty()
    }

    /// The label of a catalogue code (the code itself if the catalogue
    /// lacks it).
    pub fn label(&self, kind: Catalogue, code: &str) -> String {
        self.labels
            .get(&kind)
            .and_then(|l| l.get(code))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// The file number of a file the copy names: one of the person's, or
    /// one linked to them; none for a file outside the scope.
    pub fn file_no(&self, id: HouseholdId) -> Option<String> {
        self.files
            .iter()
            .find(|f| f.household.id == id)
            .map(|f| f.household.file_no.clone())
            .or_else(|| self.linked.get(&id).cloned())
    }
}

/// One file the person is in, with everything recorded on it.
pub(super) struct FileHeld {
    pub household: Household,
    /// Whether the person is the file's worker (else one of its members).
    pub is_worker: bool,
    pub members: Vec<Member>,
    pub incomes: Vec<MonthlyIncome>,
    pub merges: MergeLinks,
    /// Decisions (exit, relief, removal, revocation) with their steps.
    pub exits: Vec<(Exit, Vec<exits::StepRecord>)>,
    pub assistance: Vec<Assistance>,
    pub subsidies: Vec<Subsidy>,
    pub referrals: Vec<Referral>,
    pub visits: Vec<Visit>,
    pub pairings: Vec<Pairing>,
    pub plans: Vec<(Plan, Vec<Measure>)>,
    /// The verification findings about the person (not the other members).
    pub findings: Vec<Finding>,
    pub transfers: Vec<Transfer>,
}

/// An application with its steps and the documents sent with it.
pub(super) struct ApplicationHeld {
    pub application: Application,
    pub steps: Vec<applications::StepRecord>,
    pub documents: Vec<FileInfo>,
}

pub(super) fn gather(
    c: &mut Conn,
    scope: &Scope,
    id: &IdNumber,
    today: NaiveDate,
) -> Result<Held, StorageError> {
    let ids = households::files_of_person(c, scope, id.as_str())?;
    let mut found = households::find_many(c, scope, &ids)?;
    let mut members = households::members_of_many(c, scope, &ids)?;
    let mut incomes = households::incomes_of_many(c, scope, &ids)?;
    let mut files = Vec::with_capacity(found.len());
    for household in found.drain(..) {
        let h = household.id;
        let members = members.remove(&h).unwrap_or_default();
        let is_worker = household.data.worker_id_number == *id;
        let findings = about_person(
            every(|p| {
                let filter = FindingFilter {
                    household_id: Some(h),
                    ..FindingFilter::default()
                };
                verification::list_findings(c, scope, &filter, p)
            })?,
            is_worker,
            &members,
            id,
        );
        files.push(FileHeld {
            is_worker,
            incomes: incomes.remove(&h).unwrap_or_default(),
            merges: households::merge_links(c, scope, h)?,
            exits: decisions(c, scope, h)?,
            assistance: aid::of_household(c, scope, h)?,
            subsidies: every(|p| {
                let filter = SubsidyFilter {
                    household_id: Some(h),
                    ..SubsidyFilter::default()
                };
                subsidies::list(c, scope, &filter, p)
            })?,
            referrals: every(|p| {
                let filter = ReferralFilter {
                    household_id: Some(h),
                    ..ReferralFilter::default()
                };
                referrals::list(c, scope, &filter, p)
            })?,
            visits: every(|p| visits::list(c, scope, h, p))?,
            // The file is in scope (read above), so its pairings are too.
            pairings: plans::history(c, h)?,
            plans: plans_of(c, scope, h)?,
            findings,
            transfers: every(|p| {
                let filter = TransferFilter {
                    household_id: Some(h),
                    ..TransferFilter::default()
                };
                transfers::list(c, scope, &filter, p)
            })?,
            members,
            household,
        });
    }
    let applications = applications_of(c, scope, id)?;
    let temporary = temporary_of(c, scope, id, &ids, today)?;
    let filed: Vec<HouseholdId> = applications
        .iter()
        .filter_map(|a| a.application.household_id)
        .collect();
    let linked = linked_files(c, scope, &files, &filed)?;
    let mut labels = HashMap::new();
    for kind in [
        Catalogue::Track,
        Catalogue::Programme,
        Catalogue::AssistanceKind,
        Catalogue::GuaranteeLine,
        Catalogue::Department,
    ] {
        labels.insert(kind, dictionary::labels(c, kind)?);
    }
    let name = name_of(&files, &applications, &temporary, id);
    Ok(Held {
        files,
        applications,
        temporary,
        linked,
        labels,
        name,
    })
}

/// Every page of a list, read a page at a time at the largest page size.
fn every<T>(
    mut read: impl FnMut(PageRequest) -> Result<Page<T>, StorageError>,
) -> Result<Vec<T>, StorageError> {
    let mut out = Vec::new();
    let mut n = 1;
    loop {
        let page = read(PageRequest::new(Some(n), Some(PageRequest::MAX_PER_PAGE)))?;
        let last = n >= page.pages();
        out.extend(page.items);
        if last {
            return Ok(out);
        }
        n += 1;
    }
}

/// A file's decisions, oldest first, each with its steps.
fn decisions(
    c: &mut Conn,
    scope: &Scope,
    h: HouseholdId,
) -> Result<Vec<(Exit, Vec<exits::StepRecord>)>, StorageError> {
    let filter = ExitFilter {
        household_id: Some(h),
        ..ExitFilter::default()
    };
    let mut list = every(|p| exits::list(c, scope, &filter, p))?;
    list.reverse();
    list.into_iter()
        .map(|e| {
            let steps = exits::steps(c, e.id)?;
            Ok((e, steps))
        })
        .collect()
}

/// A file's plans, oldest year first, each with its measures.
fn plans_of(
    c: &mut Conn,
    scope: &Scope,
    h: HouseholdId,
) -> Result<Vec<(Plan, Vec<Measure>)>, StorageError> {
    let mut years = plans::plan_years(c, scope, h)?;
    years.reverse();
    let mut out = Vec::with_capacity(years.len());
    for (year, _) in years {
        if let Some(plan) = plans::plan_for_year(c, scope, h, year)? {
            let measures = plans::measures_of(c, plan.id)?;
            out.push((plan, measures));
        }
    }
    Ok(out)
}

/// The findings of a file that are about the person: the worker's rows if
/// they are the worker, else the rows naming them as the member they are.
fn about_person(
    findings: Vec<Finding>,
    is_worker: bool,
    members: &[Member],
    id: &IdNumber,
) -> Vec<Finding> {
    let names: Vec<&str> = members
        .iter()
        .filter(|m| m.id_number.as_ref() == Some(id))
        .map(|m| m.name.as_str())
        .collect();
    findings
        .into_iter()
        .filter(|f| match f.member_id {
            None => is_worker,
            Some(_) => names.contains(&f.person_name.as_str()),
        })
        .collect()
}

/// The applications the person made in scope, with steps and documents.
fn applications_of(
    c: &mut Conn,
    scope: &Scope,
    id: &IdNumber,
) -> Result<Vec<ApplicationHeld>, StorageError> {
    let filter = ApplicationFilter {
        q: Some(id.as_str().to_owned()),
        ..ApplicationFilter::default()
    };
    // A full number searches the applicant's number exactly.
    let mine: Vec<Application> = every(|p| applications::list(c, scope, &filter, p))?
        .into_iter()
        .filter(|a| a.worker_id_number == id.as_str())
        .collect();
    mine.into_iter()
        .map(|application| {
            Ok(ApplicationHeld {
                steps: applications::steps(c, application.id)?,
                documents: applications::files(c, application.id)?,
                application,
            })
        })
        .collect()
}

/// The person's temporary relief files in scope, and those any of their
/// files was converted from, oldest first.
fn temporary_of(
    c: &mut Conn,
    scope: &Scope,
    id: &IdNumber,
    files: &[HouseholdId],
    today: NaiveDate,
) -> Result<Vec<TemporaryFile>, StorageError> {
    let filter = TemporaryFilter {
        search: Some(id.as_str().to_owned()),
        ..TemporaryFilter::default()
    };
    // The search also matches names containing the text: keep exact numbers.
    let mut out: Vec<TemporaryFile> =
        every(|p| temporary_files::list(c, scope, &filter, today, p))?
            .into_iter()
            .filter(|t| t.worker_id_number == *id)
            .collect();
    for h in files {
        if let Some(t) = temporary_files::of_household(c, scope, *h, today)? {
            out.push(t);
        }
    }
    out.sort_by_key(|t| t.id.0);
    out.dedup_by_key(|t| t.id.0);
    Ok(out)
}

/// The file numbers of the files in scope that the person's files link to
/// (the file a relapse reopened, the reopening, a merge), or that their
/// applications filed (`filed`), and that are not among them.
fn linked_files(
    c: &mut Conn,
    scope: &Scope,
    files: &[FileHeld],
    filed: &[HouseholdId],
) -> Result<HashMap<HouseholdId, String>, StorageError> {
    let mut out: HashMap<HouseholdId, String> = HashMap::new();
    let mut wanted: Vec<HouseholdId> = filed.to_vec();
    for f in files {
        let l = &f.household.leaving;
        wanted.extend(l.previous_id.iter().chain(l.reopened_id.iter()));
        for (id, no) in f.merges.into.iter().chain(f.merges.from.iter()) {
            out.insert(*id, no.clone());
        }
    }
    wanted.retain(|w| !files.iter().any(|f| f.household.id == *w) && !out.contains_key(w));
    wanted.sort_unstable_by_key(|w| w.0);
    wanted.dedup();
    for h in households::find_many(c, scope, &wanted)? {
        out.insert(h.id, h.file_no);
    }
    Ok(out)
}

/// The person's name in their newest record: a file, else an application,
/// else a temporary relief file.
fn name_of(
    files: &[FileHeld],
    applications: &[ApplicationHeld],
    temporary: &[TemporaryFile],
    id: &IdNumber,
) -> String {
    let in_file = files.iter().rev().find_map(|f| {
        if f.is_worker {
            Some(f.household.data.worker_name.clone())
        } else {
            f.members
                .iter()
                .find(|m| m.id_number.as_ref() == Some(id))
                .map(|m| m.name.clone())
        }
    });
    in_file
        .or_else(|| {
            applications
                .first()
                .map(|a| a.application.worker_name.clone())
        })
        .or_else(|| temporary.last().map(|t| t.worker_name.clone()))
        .unwrap_or_default()
}

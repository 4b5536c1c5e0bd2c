//! The catalogue of department datasets, which an administrator extends:
//! a new dataset follows the rule of one of the built-in kinds (rules stay
//! in the domain's code), gets a label and a department, and may later be
//! renamed or deactivated — never deleted, so the batches and findings that
//! name it keep their label.

use crate::audit::{Owned, Record, Who};
use crate::clock::now;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::verification::{
    find_dataset, parse_dataset_code, parse_department, parse_kind, parse_label, resolve_dataset,
    DatasetEntry,
};
use bangfu_domain::{Permission, ValidationError};
use bangfu_storage::verification::{self as store, StoredDataset};
use bangfu_storage::Conn;
use serde_json::json;

/// A dataset an administrator adds, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewDataset {
    pub code: String,
    pub label: String,
    pub department: String,
    /// The kind whose rule it follows (a code or label of `Dataset`).
    pub kind: String,
}

/// Changes to a dataset; what is absent stays as it is. Its code and kind
/// never change (its batches and findings were read by that rule).
#[derive(Debug, Clone, Default)]
pub struct DatasetChanges {
    pub label: Option<String>,
    pub department: Option<String>,
    pub active: Option<bool>,
}

fn entry_json(e: &DatasetEntry) -> serde_json::Value {
    json!({
        "code": e.code,
        "label": e.label,
        "department": e.department,
        "kind": e.kind.code(),
        "position": e.position,
        "active": e.active,
    })
}

/// The catalogue code a list is filtered by, resolved in the caller's
/// transaction: a code or label of any dataset, active or not (the batches
/// and findings of a deactivated one still show); an unknown one is refused.
pub(super) fn filter_code(c: &mut Conn, raw: Option<&str>) -> Result<Option<String>, ServiceError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let all = store::catalogue(c)?;
    Ok(Some(find_dataset(&all, raw)?.code.clone()))
}

/// Refuses a label another dataset has.
fn label_free(all: &[StoredDataset], code: &str, label: &str) -> Result<(), ServiceError> {
    match all
        .iter()
        .find(|d| d.entry.label == label && d.entry.code != code)
    {
        Some(d) => Err(ValidationError::new(
            "label",
            format!(
                "数据集目录中已有名称“{label}”（代码 {}），名称不能重复",
                d.entry.code
            ),
        )
        .into()),
        None => Ok(()),
    }
}

impl Services {
    /// The catalogue: the active datasets, or all of them when `all`.
    /// Anyone signed in may read it (departments need it to send).
    pub async fn verification_datasets(
        &self,
        actor: &Actor,
        all: bool,
    ) -> Result<Vec<StoredDataset>, ServiceError> {
        if actor.user.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        self.read(move |c| Ok(store::list_datasets(c, !all)?)).await
    }

    /// The active dataset a code or label names: what the upload page and
    /// `bangfu verify` read a file as before sending it. An unknown or
    /// deactivated one is refused naming the field `dataset`.
    pub async fn verification_dataset_resolve(
        &self,
        actor: &Actor,
        raw: &str,
    ) -> Result<DatasetEntry, ServiceError> {
        if actor.user.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        let raw = raw.to_owned();
        self.read(move |c| {
            let all = store::catalogue(c)?;
            Ok(resolve_dataset(&all, &raw)?.clone())
        })
        .await
    }

    /// Adds a dataset following the rule of a kind, at the end of the
    /// catalogue, active.
    pub async fn verification_dataset_add(
        &self,
        actor: &Actor,
        input: NewDataset,
    ) -> Result<StoredDataset, ServiceError> {
        actor.require(Permission::ManageVerification)?;
        let code = parse_dataset_code(&input.code)?;
        let label = parse_label(&input.label)?;
        let department = parse_department(&input.department)?;
        let kind = parse_kind(&input.kind)?;
        let a = actor.clone();
        self.write(move |c| {
            let all = store::list_datasets(c, false)?;
            if let Some(old) = all.iter().find(|d| d.entry.code == code) {
                return Err(ValidationError::new(
                    "code",
                    format!(
                        "数据集目录中已有代码“{code}”（{}{}），代码不能重复",
                        old.entry.label,
                        if old.entry.active {
                            ""
                        } else {
                            "，已停用，可重新启用"
                        }
                    ),
                )
                .into());
            }
            label_free(&all, &code, &label)?;
            let e = DatasetEntry {
                code,
                label,
                department,
                kind,
                position: store::next_dataset_position(c)?,
                active: true,
            };
            if !store::insert_dataset(c, &e, a.user.id.0, now())? {
                return Err(ValidationError::new(
                    "code",
                    format!("数据集目录中已有代码“{}”", e.code),
                )
                .into());
            }
            Record::of(Action::EditDataset, "dataset", &e.code, a.user.owner())
                .after(entry_json(&e))
                .write(c, Who::Actor(&a))?;
            store::find_dataset(c, &e.code)?.ok_or(ServiceError::NotFound("数据集"))
        })
        .await
    }

    /// Renames a dataset, changes its department, or (de)activates it.
    /// Nothing is deleted; a deactivated dataset receives no new batch.
    pub async fn verification_dataset_edit(
        &self,
        actor: &Actor,
        code: String,
        changes: DatasetChanges,
    ) -> Result<StoredDataset, ServiceError> {
        actor.require(Permission::ManageVerification)?;
        let label = changes.label.as_deref().map(parse_label).transpose()?;
        let department = changes
            .department
            .as_deref()
            .map(parse_department)
            .transpose()?;
        let active = changes.active;
        let a = actor.clone();
        self.write(move |c| {
            let all = store::list_datasets(c, false)?;
            let before = all
                .iter()
                .find(|d| d.entry.code == code.trim())
                .ok_or(ServiceError::NotFound("数据集"))?;
            let mut after = before.entry.clone();
            if let Some(l) = label {
                label_free(&all, &after.code, &l)?;
                after.label = l;
            }
            if let Some(d) = department {
                after.department = d;
            }
            if let Some(x) = active {
                after.active = x;
            }
            if after == before.entry {
                return Ok(before.clone());
            }
            if !store::update_dataset(c, &after, a.user.id.0, now())? {
                return Err(ServiceError::NotFound("数据集"));
            }
            Record::of(Action::EditDataset, "dataset", &after.code, a.user.owner())
                .before(entry_json(&before.entry))
                .after(entry_json(&after))
                .write(c, Who::Actor(&a))?;
            store::find_dataset(c, &after.code)?.ok_or(ServiceError::NotFound("数据集"))
        })
        .await
    }
}

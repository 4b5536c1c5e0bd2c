//! The catalogues (dictionary) an administrator edits: tracks, programmes,
//! kinds of assistance, guarantee lines and departments.
//!
//! Codes are fixed once added; labels and order may change, and an entry no
//! longer offered is deactivated — never deleted — so old records keep
//! their meaning. Forms offer only active entries; every code a use case
//! accepts is checked with [`require_active`].

use crate::audit::{Owned, Record, Who};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::assistance::Catalogue;
use bangfu_domain::audit::Action;
use bangfu_domain::household::parse_text;
use bangfu_domain::{Permission, ValidationError};
use bangfu_storage::dictionary::{self as dict, Entry};
use bangfu_storage::Conn;
use serde_json::json;

pub use bangfu_storage::dictionary::Entry as DictionaryEntry;

/// The label of an active entry of `kind`; a code that does not exist or was
/// deactivated is refused, naming `field`.
pub fn require_active(
    c: &mut Conn,
    kind: Catalogue,
    field: &'static str,
    code: &str,
) -> Result<String, ServiceError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(ValidationError::new(field, format!("请选择{}", short(kind))).into());
    }
    match dict::find(c, kind, code)? {
        Some(e) if e.active => Ok(e.label),
        Some(e) => Err(ValidationError::new(
            field,
            format!("{}“{}”已停用，请另选", short(kind), e.label),
        )
        .into()),
        None => Err(ValidationError::new(
            field,
            format!("{}代码“{}”不存在，请从目录中选择", short(kind), code),
        )
        .into()),
    }
}

/// The catalogue's name in a sentence.
fn short(kind: Catalogue) -> &'static str {
    match kind {
        Catalogue::Track => "帮扶路径",
        Catalogue::Programme => "行动计划",
        Catalogue::AssistanceKind => "帮扶类别",
        Catalogue::GuaranteeLine => "保障线",
        Catalogue::Department => "部门",
    }
}

/// A code: 1–40 lowercase ASCII letters, digits or underscores, starting with a letter.
fn parse_code(raw: &str) -> Result<String, ValidationError> {
    bangfu_domain::household::parse_code(raw, 1, "night_school")
}

fn parse_position(p: i32) -> Result<i32, ValidationError> {
    if (1..=999).contains(&p) {
        Ok(p)
    } else {
        Err(ValidationError::new(
            "position",
            "排序应为 1 到 999 之间的整数",
        ))
    }
}

/// A new entry as typed.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    pub code: String,
    pub label: String,
    /// At the end of the catalogue when absent.
    pub position: Option<i32>,
}

/// Changes to an entry; what is absent stays as it is.
#[derive(Debug, Clone, Default)]
pub struct EntryChanges {
    pub label: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

fn entry_json(e: &Entry) -> serde_json::Value {
    json!({
        "kind": e.kind.code(),
        "code": e.code,
        "label": e.label,
        "position": e.position,
        "active": e.active,
    })
}

/// Whether `actor` may edit the catalogues: they are shared by the whole
/// tree, so only an administrator of its top union edits them.
pub fn may_edit(actor: &Actor) -> bool {
    actor.can(Permission::ManageCatalogues) && actor.user.union_path.depth() == 1
}

impl Services {
    /// The entries of a catalogue (or all), in order. Forms ask for the
    /// active ones; the dictionary page shows all. Anyone signed in who works
    /// with assistance, referrals or catalogues may read them.
    pub async fn dictionary_list(
        &self,
        actor: &Actor,
        kind: Option<Catalogue>,
        active_only: bool,
    ) -> Result<Vec<Entry>, ServiceError> {
        if actor.user.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        if !(actor.can(Permission::ReadAssistance)
            || actor.can(Permission::ManageCatalogues)
            || actor.can(Permission::AnswerReferrals))
        {
            return Err(ServiceError::Forbidden);
        }
        self.read(move |c| Ok(dict::list(c, kind, active_only)?))
            .await
    }

    /// Adds an entry to a catalogue.
    pub async fn dictionary_add(
        &self,
        actor: &Actor,
        kind: Catalogue,
        input: NewEntry,
    ) -> Result<Entry, ServiceError> {
        actor.require(Permission::ManageCatalogues)?;
        if !may_edit(actor) {
            return Err(ServiceError::Forbidden);
        }
        let code = parse_code(&input.code)?;
        let label = parse_text("label", "名称", &input.label, true, 60)?;
        let position = input.position.map(parse_position).transpose()?;
        let a = actor.clone();
        self.write(move |c| {
            if let Some(old) = dict::find(c, kind, &code)? {
                return Err(ServiceError::Conflict {
                    field: "code",
                    message: format!(
                        "{}中已有代码“{}”（{}{}），代码不能重复",
                        kind.label(),
                        code,
                        old.label,
                        if old.active {
                            ""
                        } else {
                            "，已停用，可重新启用"
                        }
                    ),
                });
            }
            let position = match position {
                Some(p) => p,
                None => dict::next_position(c, kind)?,
            };
            let e = Entry {
                kind,
                code,
                label,
                position,
                active: true,
            };
            if !dict::insert(c, &e)? {
                return Err(ServiceError::Conflict {
                    field: "code",
                    message: format!("{}中已有代码“{}”", kind.label(), e.code),
                });
            }
            Record::of(
                Action::EditDictionary,
                "dictionary",
                format!("{}/{}", kind.code(), e.code),
                a.user.owner(),
            )
            .after(entry_json(&e))
            .write(c, Who::Actor(&a))?;
            Ok(e)
        })
        .await
    }

    /// Edits an entry's label or order, or (de)activates it. Nothing is deleted.
    pub async fn dictionary_edit(
        &self,
        actor: &Actor,
        kind: Catalogue,
        code: String,
        changes: EntryChanges,
    ) -> Result<Entry, ServiceError> {
        actor.require(Permission::ManageCatalogues)?;
        if !may_edit(actor) {
            return Err(ServiceError::Forbidden);
        }
        let label = changes
            .label
            .as_deref()
            .map(|l| parse_text("label", "名称", l, true, 60))
            .transpose()?;
        let position = changes.position.map(parse_position).transpose()?;
        let active = changes.active;
        let a = actor.clone();
        self.write(move |c| {
            let before =
                dict::find(c, kind, code.trim())?.ok_or(ServiceError::NotFound("目录条目"))?;
            let mut after = before.clone();
            if let Some(l) = label {
                after.label = l;
            }
            if let Some(p) = position {
                after.position = p;
            }
            if let Some(x) = active {
                after.active = x;
            }
            if after == before {
                return Ok(after);
            }
            if !dict::update(c, &after)? {
                return Err(ServiceError::NotFound("目录条目"));
            }
            Record::of(
                Action::EditDictionary,
                "dictionary",
                format!("{}/{}", kind.code(), after.code),
                a.user.owner(),
            )
            .before(entry_json(&before))
            .after(entry_json(&after))
            .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in ["night_school", "a", "x1", "safety_net"] {
            assert!(parse_code(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Night", "1abc", "a-b", "中文", "a b", &"a".repeat(41)] {
            assert!(parse_code(bad).is_err(), "{bad}");
        }
    }
}

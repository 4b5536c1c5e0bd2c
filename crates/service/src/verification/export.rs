//! The other direction of privacy-preserving matching: the union sends a
//! department the keyed hashes of the people it holds on file, each with an
//! opaque reference (never an ID number or a name); the department answers
//! with its rows keyed by those hashes as an ordinary batch.

use super::keys::{hex, id_digest, key_bytes};
use crate::audit::{Record, Who};
use crate::clock::today;
use crate::unions::narrow_to_union;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::Permission;
use bangfu_storage::verification as store;
use bangfu_storage::Scope;
use serde_json::json;

/// Files read per step of the export.
const STEP: i64 = 20_000;

/// One person of the export, held in 56 bytes: a nation's two million
/// people fit in about a hundred megabytes, and are written out as text a
/// slice at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashRow {
    /// HMAC-SHA256 of the ID number with the current key.
    pub digest: [u8; 32],
    pub household_id: i64,
    /// None: the worker.
    pub member_id: Option<i64>,
}

impl HashRow {
    /// The hash as sent: 64 lowercase hex digits.
    pub fn id_hash(&self) -> String {
        hex(&self.digest)
    }

    /// `H{household}` for the worker, `H{household}-M{member}` for a member.
    pub fn reference(&self) -> String {
        match self.member_id {
            None => format!("H{}", self.household_id),
            Some(m) => format!("H{}-M{m}", self.household_id),
        }
    }
}

/// The export: the key the hashes were made with, and the people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashExport {
    pub key_id: i64,
    pub rows: Vec<HashRow>,
}

impl Services {
    /// The keyed hashes of every person (worker and each member with an ID
    /// number) of the files on file, relieved, or exited and followed in the
    /// caller's subtree (narrowed to `union_id`), audited with the count.
    pub async fn verification_export(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
    ) -> Result<HashExport, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let (export, path) = self
            .read(move |c| {
                let key = store::current_key(c)?.ok_or_else(|| {
                    ServiceError::Rule(
                        "尚未生成核对密钥：请管理员先在“部门核对”页面生成密钥，再导出人员散列"
                            .into(),
                    )
                })?;
                let mut path = None;
                narrow_to_union(c, &scope, union_id, &mut path)?;
                let scope = path.clone().map(Scope::of).unwrap_or(scope);
                let bytes = key_bytes(&key.key_hex)?;
                let today = today();
                let mut rows = Vec::new();
                let mut after = 0;
                loop {
                    let (people, last) = store::scan_people(c, &scope, after, STEP, today)?;
                    rows.extend(people.into_iter().map(|s| HashRow {
                        digest: id_digest(&bytes, &s.id_number),
                        household_id: s.person.household_id.0,
                        member_id: s.person.member_id,
                    }));
                    match last {
                        Some(l) => after = l,
                        None => break,
                    }
                }
                Ok((
                    HashExport {
                        key_id: key.id,
                        rows,
                    },
                    path,
                ))
            })
            .await?;
        let a = actor.clone();
        let count = export.rows.len();
        let key_id = export.key_id;
        self.write(move |c| {
            Record::of(
                Action::ExportHashes,
                "key",
                key_id,
                (a.user.union_id.0, &a.user.union_path),
            )
            .after(json!({
                "key_id": key_id,
                "union_id": union_id,
                "union_path": path.map(|p| p.as_str().to_owned()),
                "people": count,
            }))
            .write(c, Who::Actor(&a))?;
            Ok(())
        })
        .await?;
        Ok(export)
    }
}

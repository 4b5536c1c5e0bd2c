//! The matching key: departments send HMAC-SHA256(key, ID number) so a list
//! exchanged reveals nobody who is not on both sides.

use crate::audit::{Record, Who};
use crate::clock::now;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::Permission;
use bangfu_storage::verification as store;
use bangfu_storage::Conn;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::json;
use sha2::Sha256;

/// A key as administrators read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyView {
    pub key_id: i64,
    /// 64 hex digits.
    pub key: String,
    pub created_at: NaiveDateTime,
    /// Older keys, kept to read the batches hashed with them.
    pub retired: Vec<(i64, NaiveDateTime)>,
}

/// The keyed hash of an ID number as departments compute it: lowercase hex
/// of HMAC-SHA256 over the 18 characters (upper-case X), keyed with the
/// key's bytes (the 64 hex digits decoded).
pub fn id_hash(key: &[u8], id_number: &str) -> String {
    hex(&id_digest(key, id_number))
}

/// The 32 bytes [`id_hash`] writes as hex: what a batch's hashes are
/// matched by (a million hex strings would take twice the room).
pub fn id_digest(key: &[u8], id_number: &str) -> [u8; 32] {
    // HMAC takes a key of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(id_number.to_ascii_uppercase().as_bytes());
    mac.finalize().into_bytes().into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a key's 64 hex digits (as [`KeyView::key`] gives them).
pub fn key_bytes(hex: &str) -> Result<Vec<u8>, ServiceError> {
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| ServiceError::Internal("a stored matching key is not hex".into()))
        })
        .collect()
}

/// Makes a new key current (retiring the others), audited.
fn rotate(c: &mut Conn, actor: &Actor) -> Result<i64, ServiceError> {
    let mut raw = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let id = store::insert_key(c, &hex(&raw), Some(actor.user.id.0), now())?;
    Record::of(
        Action::RotateKey,
        "key",
        id,
        (actor.user.union_id.0, &actor.user.union_path),
    )
    .after(json!({ "key_id": id }))
    .write(c, Who::Actor(actor))?;
    Ok(id)
}

pub(super) fn view(c: &mut Conn) -> Result<KeyView, ServiceError> {
    let keys = store::list_keys(c)?;
    let mut it = keys.into_iter();
    let current = it
        .next()
        .ok_or_else(|| ServiceError::Internal("no matching key after creating one".into()))?;
    Ok(KeyView {
        key_id: current.id,
        key: current.key_hex,
        created_at: current.created_at,
        retired: it.map(|k| (k.id, k.created_at)).collect(),
    })
}

impl Services {
    /// The current matching key (made the first time anyone asks).
    pub async fn verification_key(&self, actor: &Actor) -> Result<KeyView, ServiceError> {
        actor.require(Permission::ManageVerification)?;
        let a = actor.clone();
        self.write(move |c| {
            if store::current_key(c)?.is_none() {
                rotate(c, &a)?;
            }
            view(c)
        })
        .await
    }

    /// A new current key; the old ones still read their batches.
    pub async fn verification_key_rotate(&self, actor: &Actor) -> Result<KeyView, ServiceError> {
        actor.require(Permission::ManageVerification)?;
        let a = actor.clone();
        self.write(move |c| {
            rotate(c, &a)?;
            view(c)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_hmac_sha256_in_lowercase_hex() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let a = id_hash(b"k", "11010119800101001x");
        assert_eq!(a, id_hash(b"k", "11010119800101001X"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, id_hash(b"l", "11010119800101001X"));
        assert_eq!(key_bytes("00ff10").unwrap(), vec![0, 255, 16]);
    }
}

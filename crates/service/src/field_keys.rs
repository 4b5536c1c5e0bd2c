//! The data key applied to single column values: what storage's
//! `at_rest` calls to seal ID numbers, phones, addresses, health and notes,
//! and to compute the blind index that finds an ID number.
//!
//! A sealed value is text: `$1$` and then, in unpadded URL-safe base64, a
//! 4-byte tag naming the key (the start of the SM3 hash of its id), the
//! 12-byte nonce, and the ciphertext with its 16-byte tag. The key's tag
//! and the column's name are authenticated with it, so a value copied to
//! another column or row of another column does not open. An 18-character
//! ID number becomes 70 characters.
//!
//! An uploaded file is sealed the same way but kept as bytes: `BF`, NUL,
//! version 1, then the tag, nonce and ciphertext.
//!
//! The blind index is HMAC-SM3 of the upper-cased, trimmed number under a
//! key derived from the data key, cut to 128 bits (32 hex digits): equal
//! numbers have equal indexes, and without the key an index says nothing
//! about the number. Every key of the ring derives its own index key, so a
//! lookup tries each (a rotation re-indexes rows one batch at a time).

use crate::keys::{Cipher, Keyring};
use crate::ServiceError;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, Payload};
use bangfu_storage::FieldCipher;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sm3::{Digest, Sm3};

const PREFIX: &str = "$1$";

/// How a sealed file (an uploaded document or photo) begins, before the
/// same tag, nonce and ciphertext as a sealed text. No format an upload
/// may have (PDF, JPEG, PNG, Office) begins with a NUL at its third byte.
const BYTES_MAGIC: &[u8] = b"BF\0\x01";

struct FieldKey {
    id: String,
    tag: [u8; 4],
    cipher: Cipher,
    index_key: Vec<u8>,
}

/// The ring's keys, ready to seal, open and index column values. The last
/// is current.
pub struct FieldKeys {
    keys: Vec<FieldKey>,
}

impl FieldKeys {
    pub fn new(ring: &Keyring) -> Result<Self, ServiceError> {
        let mut keys: Vec<FieldKey> = Vec::with_capacity(ring.keys().len());
        for k in ring.keys() {
            let digest = Sm3::digest(k.id().as_bytes());
            let tag = [digest[0], digest[1], digest[2], digest[3]];
            if keys.iter().any(|o| o.tag == tag) {
                return Err(ServiceError::Rule(format!(
                    "密钥 {} 与另一把密钥的标记相同：请换一个密钥编号",
                    k.id()
                )));
            }
            let mut mac = <Hmac<Sm3> as Mac>::new_from_slice(k.secret())
                .map_err(|_| ServiceError::Internal("hmac key".into()))?;
            mac.update(b"bangfu blind index v1");
            keys.push(FieldKey {
                id: k.id().to_owned(),
                tag,
                cipher: k.cipher()?,
                index_key: mac.finalize().into_bytes().to_vec(),
            });
        }
        if keys.is_empty() {
            return Err(ServiceError::Rule("密钥文件中没有密钥".into()));
        }
        Ok(Self { keys })
    }

    fn current(&self) -> &FieldKey {
        // `new` refuses an empty ring.
        &self.keys[self.keys.len() - 1]
    }

    fn aad(tag: &[u8; 4], column: &str) -> Vec<u8> {
        let mut aad = tag.to_vec();
        aad.extend_from_slice(column.as_bytes());
        aad
    }

    fn index_with(key: &FieldKey, id_number: &str) -> Result<String, String> {
        let mut mac = <Hmac<Sm3> as Mac>::new_from_slice(&key.index_key)
            .map_err(|_| "hmac key".to_owned())?;
        mac.update(id_number.trim().to_uppercase().as_bytes());
        Ok(mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }

    /// The tag of a sealed value, read from its first characters only.
    fn tag_of(stored: &str) -> Option<[u8; 4]> {
        let head = stored.strip_prefix(PREFIX)?.get(..8)?;
        let bytes = URL_SAFE_NO_PAD.decode(head).ok()?;
        Some([bytes[0], bytes[1], bytes[2], bytes[3]])
    }
}

impl FieldKeys {
    /// `plain` sealed for `column` under the current key: tag, nonce and
    /// ciphertext with its tag.
    fn seal_raw(&self, column: &str, plain: &[u8]) -> Result<Vec<u8>, String> {
        let key = self.current();
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = Self::aad(&key.tag, column);
        let payload = Payload {
            msg: plain,
            aad: &aad,
        };
        let sealed = match &key.cipher {
            Cipher::Sm4(c) => c.encrypt((&nonce).into(), payload),
            Cipher::Aes(c) => c.encrypt((&nonce).into(), payload),
        }
        .map_err(|_| "加密失败".to_owned())?;
        let mut raw = Vec::with_capacity(4 + 12 + sealed.len());
        raw.extend_from_slice(&key.tag);
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        Ok(raw)
    }

    /// What [`FieldKeys::seal_raw`] sealed, opened with the key its tag names.
    fn open_raw(&self, column: &str, raw: &[u8]) -> Result<Vec<u8>, String> {
        if raw.len() < 4 + 12 + 16 {
            return Err(format!("{column} 的密文不完整"));
        }
        let (tag, rest) = raw.split_at(4);
        let (nonce, ciphertext) = rest.split_at(12);
        let key = self
            .keys
            .iter()
            .find(|k| k.tag == tag)
            .ok_or_else(|| format!("密钥文件中没有加密 {column} 的那把密钥"))?;
        let aad = Self::aad(&key.tag, column);
        let payload = Payload {
            msg: ciphertext,
            aad: &aad,
        };
        let nonce = aes_gcm::Nonce::<U12>::from_slice(nonce);
        match &key.cipher {
            Cipher::Sm4(c) => c.decrypt(nonce, payload),
            Cipher::Aes(c) => c.decrypt(nonce, payload),
        }
        .map_err(|_| {
            format!(
                "密钥 {} 打不开 {column} 的值：密钥不对，或数据已被改动",
                key.id
            )
        })
    }
}

impl FieldCipher for FieldKeys {
    fn seal(&self, column: &str, plain: &str) -> Result<String, String> {
        if plain.is_empty() {
            return Ok(String::new());
        }
        let raw = self.seal_raw(column, plain.as_bytes())?;
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(raw)))
    }

    fn open(&self, column: &str, stored: &str) -> Result<String, String> {
        let Some(body) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| format!("{column} 的密文已损坏"))?;
        String::from_utf8(self.open_raw(column, &raw)?)
            .map_err(|_| format!("{column} 的值不是文本"))
    }

    fn seal_bytes(&self, column: &str, plain: &[u8]) -> Result<Vec<u8>, String> {
        if plain.is_empty() {
            return Ok(Vec::new());
        }
        let raw = self.seal_raw(column, plain)?;
        let mut out = Vec::with_capacity(BYTES_MAGIC.len() + raw.len());
        out.extend_from_slice(BYTES_MAGIC);
        out.extend_from_slice(&raw);
        Ok(out)
    }

    fn open_bytes(&self, column: &str, stored: &[u8]) -> Result<Vec<u8>, String> {
        match stored.strip_prefix(BYTES_MAGIC) {
            Some(raw) => self.open_raw(column, raw),
            None => Ok(stored.to_vec()),
        }
    }

    fn is_current_bytes(&self, stored: &[u8]) -> bool {
        stored.is_empty()
            || stored
                .strip_prefix(BYTES_MAGIC)
                .and_then(|raw| raw.get(..4))
                .is_some_and(|tag| tag == self.current().tag)
    }

    fn is_current(&self, stored: &str) -> bool {
        stored.is_empty() || Self::tag_of(stored) == Some(self.current().tag)
    }

    fn index(&self, id_number: &str) -> Result<String, String> {
        Self::index_with(self.current(), id_number)
    }

    fn indexes(&self, id_number: &str) -> Result<Vec<String>, String> {
        self.keys
            .iter()
            .rev()
            .map(|k| Self::index_with(k, id_number))
            .collect()
    }

    fn key_id(&self) -> String {
        self.current().id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, Key};
    use proptest::prelude::*;

    fn ring(keys: &[&Key]) -> Keyring {
        let text: Vec<String> = keys.iter().map(|k| k.line()).collect();
        Keyring::parse(&text.join("\n"), "t").unwrap()
    }

    #[test]
    fn a_value_opens_in_its_column_only_and_never_shows_in_the_clear() {
        for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
            let f = FieldKeys::new(&ring(&[&Key::generate(alg)])).unwrap();
            let id = "110101198001010010";
            let s = f.seal("households.worker_id_number", id).unwrap();
            assert!(s.starts_with(PREFIX) && !s.contains(id), "{s}");
            assert_eq!(s.len(), 70);
            assert_ne!(s, f.seal("households.worker_id_number", id).unwrap());
            assert_eq!(f.open("households.worker_id_number", &s).unwrap(), id);
            assert!(f.open("members.id_number", &s).is_err(), "moved column");
            assert!(f.is_current(&s));
            assert_eq!(f.seal("households.notes", "").unwrap(), "");
        }
    }

    #[test]
    fn a_changed_value_or_a_wrong_key_is_refused_and_clear_text_passes_through() {
        let f = FieldKeys::new(&ring(&[&Key::generate(Algorithm::Sm4Gcm)])).unwrap();
        let s = f.seal("households.phone", "13800138000").unwrap();
        let mut bytes = s.clone().into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(f
            .open("households.phone", &String::from_utf8(bytes).unwrap())
            .is_err());
        let other = FieldKeys::new(&ring(&[&Key::generate(Algorithm::Sm4Gcm)])).unwrap();
        assert!(other.open("households.phone", &s).is_err());
        assert_eq!(
            f.open("households.phone", "13800138000").unwrap(),
            "13800138000"
        );
        assert!(!f.is_current("13800138000"));
    }

    #[test]
    fn after_a_rotation_old_values_open_new_ones_use_the_new_key_and_lookups_try_both() {
        let (old, new) = (
            Key::generate(Algorithm::Sm4Gcm),
            Key::generate(Algorithm::Aes256Gcm),
        );
        let before = FieldKeys::new(&ring(&[&old])).unwrap();
        let after = FieldKeys::new(&ring(&[&old, &new])).unwrap();
        let s = before.seal("members.health", "serious").unwrap();
        assert_eq!(after.open("members.health", &s).unwrap(), "serious");
        assert!(!after.is_current(&s));
        assert!(after.is_current(&after.seal("members.health", "serious").unwrap()));
        let id = "11010119800101001x";
        let i = after.indexes(id).unwrap();
        assert_eq!(i, vec![after.index(id).unwrap(), before.index(id).unwrap()]);
        assert_ne!(i[0], i[1]);
    }

    #[test]
    fn a_file_is_sealed_as_bytes_opens_in_its_column_only_and_old_files_pass_through() {
        let old = Key::generate(Algorithm::Sm4Gcm);
        let before = FieldKeys::new(&ring(&[&old])).unwrap();
        let after = FieldKeys::new(&ring(&[&old, &Key::generate(Algorithm::Aes256Gcm)])).unwrap();
        let photo = b"\xff\xd8\xff\xe0 a photo of the kitchen".to_vec();
        let s = before.seal_bytes("visit_photos.data", &photo).unwrap();
        assert!(s.starts_with(BYTES_MAGIC));
        assert!(!s.windows(5).any(|w| w == b"photo"), "clear bytes");
        assert_eq!(s.len(), BYTES_MAGIC.len() + 4 + 12 + photo.len() + 16);
        assert_eq!(after.open_bytes("visit_photos.data", &s).unwrap(), photo);
        assert!(after.open_bytes("application_files.data", &s).is_err());
        assert!(before.is_current_bytes(&s) && !after.is_current_bytes(&s));
        assert!(!after.is_current_bytes(&photo) && after.is_current_bytes(b""));
        assert_eq!(
            after.open_bytes("visit_photos.data", &photo).unwrap(),
            photo
        );
        let mut changed = s.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(after.open_bytes("visit_photos.data", &changed).is_err());
        assert!(before.seal_bytes("c", b"").unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn the_index_is_the_same_for_the_same_number_however_it_is_written(
            n in "[0-9]{17}[0-9xX]"
        ) {
            let f = FieldKeys::new(&ring(&[&Key::generate(Algorithm::Sm4Gcm)])).unwrap();
            let a = f.index(&n).unwrap();
            prop_assert_eq!(&a, &f.index(&format!(" {} ", n.to_lowercase())).unwrap());
            prop_assert_eq!(a.len(), 32);
            prop_assert_eq!(f.open("c", &f.seal("c", &n).unwrap()).unwrap(), n);
        }
    }
}

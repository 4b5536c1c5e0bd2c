//! The data key: SM4-GCM (商用密码, the RustCrypto `sm4` block cipher under
//! the generic GCM mode of `aes-gcm`) by default, AES-256-GCM as a setting.
//!
//! Why here: the keyring (parsing a key file, sealing and opening blobs,
//! the ciphers of the backup stream) is pure code that use cases need —
//! backups now, the encryption of ID numbers and phones at rest later — so
//! it sits in the service layer, and storage never sees a key. Reading the
//! key (a file, or `BANGFU_KEY`) is I/O at the edge: the binary resolves
//! where the key comes from (`--key-file`, `BANGFU_KEY_FILE`, the config
//! file, `BANGFU_KEY`, or the default beside a SQLite database) and calls
//! [`Keyring::load_file`] or [`Keyring::parse`]. Keys never come from the
//! database, and losing the key loses what it encrypted.
//!
//! A key file is text, one key a line: `<key-id> <sm4-gcm|aes-256-gcm>
//! <base64 key>`; `#` starts a comment. The last key is the current one,
//! which seals; the earlier ones only open what they sealed (so a key can
//! be rotated without losing what the old one encrypted).

use crate::ServiceError;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, AesGcm};
use base64::Engine;
use rand::RngCore;
use std::io::Write;
use std::path::Path;

/// SM4 in GCM mode with 96-bit nonces.
pub(crate) type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    #[default]
    Sm4Gcm,
    Aes256Gcm,
}

impl Algorithm {
    pub fn code(self) -> &'static str {
        match self {
            Algorithm::Sm4Gcm => "sm4-gcm",
            Algorithm::Aes256Gcm => "aes-256-gcm",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ServiceError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "sm4-gcm" | "sm4" => Ok(Algorithm::Sm4Gcm),
            "aes-256-gcm" | "aes256-gcm" | "aes" => Ok(Algorithm::Aes256Gcm),
            other => Err(ServiceError::Rule(format!(
                "不认识的加密算法“{other}”：应为 sm4-gcm 或 aes-256-gcm"
            ))),
        }
    }

    /// Bytes of key.
    pub fn key_len(self) -> usize {
        match self {
            Algorithm::Sm4Gcm => 16,
            Algorithm::Aes256Gcm => 32,
        }
    }

    /// The algorithm's byte in sealed headers.
    pub(crate) fn byte(self) -> u8 {
        match self {
            Algorithm::Sm4Gcm => 1,
            Algorithm::Aes256Gcm => 2,
        }
    }

    pub(crate) fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Algorithm::Sm4Gcm),
            2 => Some(Algorithm::Aes256Gcm),
            _ => None,
        }
    }
}

/// One key: its id, algorithm and secret. Debug shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    id: String,
    algorithm: Algorithm,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// A cipher of either algorithm.
pub(crate) enum Cipher {
    Sm4(Box<Sm4Gcm>),
    Aes(Box<Aes256Gcm>),
}

impl Key {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The secret, for deriving keys from it (the blind index's).
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// A new random key. Its id is the day and a random tag
    /// (`k20261207-3fa9c1`), unlikely to meet another installation's.
    pub fn generate(algorithm: Algorithm) -> Self {
        let mut secret = vec![0u8; algorithm.key_len()];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let mut tag = [0u8; 3];
        rand::rngs::OsRng.fill_bytes(&mut tag);
        let id = format!(
            "k{}-{:02x}{:02x}{:02x}",
            chrono::Utc::now().format("%Y%m%d"),
            tag[0],
            tag[1],
            tag[2]
        );
        Self {
            id,
            algorithm,
            secret,
        }
    }

    /// The key as a line of a key file.
    pub fn line(&self) -> String {
        format!(
            "{} {} {}",
            self.id,
            self.algorithm.code(),
            base64::engine::general_purpose::STANDARD.encode(&self.secret)
        )
    }

    /// Reads one line of a key file (not a comment or blank).
    pub fn parse_line(line: &str) -> Result<Self, String> {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [id, algorithm, secret] = parts.as_slice() else {
            return Err("应为“密钥编号 算法 base64密钥”三项".into());
        };
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(format!(
                "密钥编号“{id}”无效（字母、数字、- _ .，至多 64 个）"
            ));
        }
        let algorithm = Algorithm::parse(algorithm).map_err(|e| e.to_string())?;
        let secret = base64::engine::general_purpose::STANDARD
            .decode(secret)
            .map_err(|_| "密钥不是有效的 base64".to_owned())?;
        if secret.len() != algorithm.key_len() {
            return Err(format!(
                "{} 密钥应为 {} 字节，这里是 {} 字节",
                algorithm.code(),
                algorithm.key_len(),
                secret.len()
            ));
        }
        Ok(Self {
            id: (*id).to_owned(),
            algorithm,
            secret,
        })
    }

    pub(crate) fn cipher(&self) -> Result<Cipher, ServiceError> {
        let bad = |_| ServiceError::Internal("key of the wrong length".into());
        Ok(match self.algorithm {
            Algorithm::Sm4Gcm => {
                Cipher::Sm4(Box::new(Sm4Gcm::new_from_slice(&self.secret).map_err(bad)?))
            }
            Algorithm::Aes256Gcm => Cipher::Aes(Box::new(
                Aes256Gcm::new_from_slice(&self.secret).map_err(bad)?,
            )),
        })
    }
}

/// The keys of a key file: the last is current.
#[derive(Debug, Clone)]
pub struct Keyring {
    keys: Vec<Key>,
}

/// The first byte of a sealed blob: its format version.
const SEALED_VERSION: u8 = 1;

impl Keyring {
    /// Reads a key file's text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ServiceError> {
        let mut keys: Vec<Key> = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let key = Key::parse_line(line).map_err(|e| {
                ServiceError::Rule(format!("密钥 {origin} 第 {} 行有误：{e}", n + 1))
            })?;
            if keys.iter().any(|k| k.id == key.id) {
                return Err(ServiceError::Rule(format!(
                    "密钥 {origin} 第 {} 行：密钥编号 {} 重复",
                    n + 1,
                    key.id
                )));
            }
            keys.push(key);
        }
        if keys.is_empty() {
            return Err(ServiceError::Rule(format!("密钥 {origin} 中没有密钥")));
        }
        Ok(Self { keys })
    }

    /// Reads a key file.
    pub fn load_file(path: &Path) -> Result<Self, ServiceError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServiceError::Rule(format!("无法读取密钥文件 {}：{e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The key that seals.
    pub fn current(&self) -> &Key {
        // `parse` refuses an empty file, so there is always a last key.
        &self.keys[self.keys.len() - 1]
    }

    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    pub fn find(&self, id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Seals `plaintext` with the current key: `version, algorithm, id
    /// length, id, 12-byte nonce`, then the ciphertext and its tag. The
    /// header and `aad` (say, the table and column a value belongs to) are
    /// authenticated, so a blob moved elsewhere does not open.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let key = self.current();
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut out = vec![SEALED_VERSION, key.algorithm.byte()];
        out.push(u8::try_from(key.id.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(key.id.as_bytes());
        out.extend_from_slice(&nonce);
        let mut full_aad = out.clone();
        full_aad.extend_from_slice(aad);
        let payload = Payload {
            msg: plaintext,
            aad: &full_aad,
        };
        let sealed = match key.cipher()? {
            Cipher::Sm4(c) => c.encrypt((&nonce).into(), payload),
            Cipher::Aes(c) => c.encrypt((&nonce).into(), payload),
        }
        .map_err(|_| ServiceError::Internal("encryption failed".into()))?;
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Keyring::seal`] sealed, with whichever key of the ring
    /// sealed it.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let bad = |m: &str| ServiceError::Rule(format!("无法解密：{m}"));
        let (&version, rest) = sealed.split_first().ok_or_else(|| bad("数据为空"))?;
        if version != SEALED_VERSION {
            return Err(bad(&format!("不认识的格式版本 {version}")));
        }
        let (&algorithm, rest) = rest.split_first().ok_or_else(|| bad("数据不完整"))?;
        let algorithm = Algorithm::from_byte(algorithm).ok_or_else(|| bad("不认识的算法"))?;
        let (&id_len, rest) = rest.split_first().ok_or_else(|| bad("数据不完整"))?;
        let id_len = usize::from(id_len);
        if rest.len() < id_len + 12 + 16 {
            return Err(bad("数据不完整"));
        }
        let (id, rest) = rest.split_at(id_len);
        let (nonce, ciphertext) = rest.split_at(12);
        let id = std::str::from_utf8(id).map_err(|_| bad("密钥编号无效"))?;
        let key = self
            .find(id)
            .ok_or_else(|| bad(&format!("密钥文件中没有加密它的密钥 {id}")))?;
        if key.algorithm != algorithm {
            return Err(bad(&format!("密钥 {id} 的算法与数据不符")));
        }
        let header_len = 3 + id_len + 12;
        let mut full_aad = sealed[..header_len].to_vec();
        full_aad.extend_from_slice(aad);
        let payload = Payload {
            msg: ciphertext,
            aad: &full_aad,
        };
        let nonce = aes_gcm::Nonce::<U12>::from_slice(nonce);
        match key.cipher()? {
            Cipher::Sm4(c) => c.decrypt(nonce, payload),
            Cipher::Aes(c) => c.decrypt(nonce, payload),
        }
        .map_err(|_| bad(&format!("密钥 {id} 打不开它：密钥不对，或数据已被改动")))
    }
}

/// Writes a new key file holding one new key, readable by its owner only;
/// refuses to overwrite a file.
pub fn generate_key_file(path: &Path, algorithm: Algorithm) -> Result<Key, ServiceError> {
    let key = Key::generate(algorithm);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServiceError::Rule(format!("无法创建目录 {}：{e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ServiceError::Rule(format!(
                "密钥文件 {} 已存在，不会覆盖（要加新密钥请用 bangfu keys add）",
                path.display()
            ))
        } else {
            ServiceError::Rule(format!("无法创建密钥文件 {}：{e}", path.display()))
        }
    })?;
    let text = format!(
        "# Bangfu data key file (帮扶数据密钥). Keep it secret, and back it up\n\
         # apart from the database and its backups: without it they cannot be read.\n\
         # One key a line: <key-id> <sm4-gcm|aes-256-gcm> <base64 key>; the last is current.\n\
         {}\n",
        key.line()
    );
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| ServiceError::Rule(format!("无法写入密钥文件 {}：{e}", path.display())))?;
    Ok(key)
}

/// Appends a new current key to a key file; the keys before it stay, to
/// open what they sealed.
pub fn add_key(path: &Path, algorithm: Algorithm) -> Result<Key, ServiceError> {
    let ring = Keyring::load_file(path)?;
    let mut key = Key::generate(algorithm);
    while ring.find(&key.id).is_some() {
        key = Key::generate(algorithm);
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| ServiceError::Rule(format!("无法写入密钥文件 {}：{e}", path.display())))?;
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lead = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    file.write_all(format!("{lead}{}\n", key.line()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| ServiceError::Rule(format!("无法写入密钥文件 {}：{e}", path.display())))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_reads_and_its_last_key_is_current() {
        let a = Key::generate(Algorithm::Sm4Gcm);
        let b = Key::generate(Algorithm::Aes256Gcm);
        let text = format!("# comment\n{}\n\n{}  # the new one\n", a.line(), b.line());
        let ring = Keyring::parse(&text, "test").unwrap();
        assert_eq!(ring.keys().len(), 2);
        assert_eq!(ring.current().id(), b.id());
        assert_eq!(ring.current().algorithm(), Algorithm::Aes256Gcm);
        assert!(!format!("{a:?}").contains(&a.line()[a.line().len() - 8..]));
    }

    #[test]
    fn bad_lines_are_refused_naming_the_line() {
        let e = Keyring::parse("k1 sm4-gcm AAAA\n", "f").unwrap_err();
        assert!(e.to_string().contains("第 1 行"), "{e}");
        assert!(Keyring::parse("# nothing\n", "f").is_err());
        assert!(Keyring::parse("k1 rot13 AAAA\n", "f").is_err());
    }

    #[test]
    fn sealed_blobs_open_with_the_key_that_sealed_them_after_rotation() {
        for algorithm in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
            let old = Key::generate(algorithm);
            let ring = Keyring::parse(&old.line(), "t").unwrap();
            let sealed = ring
                .seal("440104198001010011".as_bytes(), b"members.id_number")
                .unwrap();
            assert!(!sealed.windows(18).any(|w| w == b"440104198001010011"));
            let new = Key::generate(Algorithm::Sm4Gcm);
            let rotated =
                Keyring::parse(&format!("{}\n{}\n", old.line(), new.line()), "t").unwrap();
            assert_eq!(
                rotated.open(&sealed, b"members.id_number").unwrap(),
                b"440104198001010011"
            );
            // Another place, a flipped byte or another key: refused.
            assert!(rotated.open(&sealed, b"members.phone").is_err());
            let mut flipped = sealed.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            assert!(rotated.open(&flipped, b"members.id_number").is_err());
            let other = Keyring::parse(&new.line(), "t").unwrap();
            assert!(other.open(&sealed, b"members.id_number").is_err());
        }
    }

    #[test]
    fn sm4_gcm_matches_the_rfc_8998_test_vector() {
        // RFC 8998, appendix A.1 (also what OpenSSL's SM4-GCM gives).
        let key = hex("0123456789ABCDEFFEDCBA9876543210");
        let nonce = hex("00001234567800000000ABCD");
        let plaintext = hex(concat!(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD",
            "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
        ));
        let aad = hex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        let expected = hex(concat!(
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735",
            "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D",
            "83DE3541E4C2B58177E065A9BF7B62EC"
        ));
        let c = Sm4Gcm::new_from_slice(&key).unwrap();
        let sealed = c
            .encrypt(
                nonce.as_slice().into(),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(sealed, expected);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}

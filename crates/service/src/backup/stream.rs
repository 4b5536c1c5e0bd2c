//! The encrypted envelope of a backup file: a plaintext header, then the
//! content in chunks sealed with the STREAM construction (`aead::stream`,
//! big-endian 32-bit counter): each chunk's nonce carries its number and
//! whether it is the last, and every chunk authenticates the header. So a
//! chunk changed, moved, dropped from the end or the header edited (another
//! key id, another algorithm) fails to open.
//!
//! Header: `BANGFUBK` (8 bytes), format version (1 byte), algorithm (1 byte:
//! 1 SM4-GCM, 2 AES-256-GCM), key id length (1 byte) and key id (UTF-8),
//! nonce prefix (7 random bytes), chunk size (4 bytes, big-endian). Then
//! chunks of `chunk size` plaintext bytes plus a 16-byte tag; the last is
//! shorter or equal (an empty last chunk is just its tag).

use crate::keys::{Algorithm, Cipher, Key, Keyring};
use crate::ServiceError;
use aead::stream::{DecryptorBE32, EncryptorBE32};
use aead::Payload;
use aes_gcm::Aes256Gcm;
use rand::RngCore;
use std::io::{self, BufRead, Read, Write};

use crate::keys::Sm4Gcm;

pub(crate) const MAGIC: &[u8; 8] = b"BANGFUBK";
/// The version of the envelope and of the content format inside it.
pub const FORMAT: u8 = 1;
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// The plaintext header: enough to find the key and check the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format: u8,
    pub algorithm: Algorithm,
    pub key_id: String,
    nonce_prefix: [u8; 7],
    chunk: u32,
}

impl Header {
    fn new(key: &Key) -> Self {
        let mut nonce_prefix = [0u8; 7];
        rand::rngs::OsRng.fill_bytes(&mut nonce_prefix);
        Self {
            format: FORMAT,
            algorithm: key.algorithm(),
            key_id: key.id().to_owned(),
            nonce_prefix,
            chunk: CHUNK as u32,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.push(self.format);
        out.push(self.algorithm.byte());
        out.push(u8::try_from(self.key_id.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(self.key_id.as_bytes());
        out.extend_from_slice(&self.nonce_prefix);
        out.extend_from_slice(&self.chunk.to_be_bytes());
        out
    }

    /// Reads and checks a header.
    pub fn read(r: &mut impl Read) -> Result<Self, ServiceError> {
        let short = |_| refused("文件太短，不是完整的帮扶备份");
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(short)?;
        if &magic != MAGIC {
            return Err(refused("不是帮扶备份文件（文件头不对）"));
        }
        let mut fixed = [0u8; 3];
        r.read_exact(&mut fixed).map_err(short)?;
        let [format, algorithm, id_len] = fixed;
        if format != FORMAT {
            return Err(refused(&format!(
                "备份格式版本 {format} 不认识（本程序认识版本 {FORMAT}）：请用更新的帮扶恢复"
            )));
        }
        let algorithm = Algorithm::from_byte(algorithm)
            .ok_or_else(|| refused(&format!("不认识的加密算法编号 {algorithm}")))?;
        let mut id = vec![0u8; usize::from(id_len)];
        r.read_exact(&mut id).map_err(short)?;
        let key_id = String::from_utf8(id).map_err(|_| refused("文件头中的密钥编号无效"))?;
        let mut nonce_prefix = [0u8; 7];
        r.read_exact(&mut nonce_prefix).map_err(short)?;
        let mut chunk = [0u8; 4];
        r.read_exact(&mut chunk).map_err(short)?;
        let chunk = u32::from_be_bytes(chunk);
        if chunk == 0 || chunk > 16 * 1024 * 1024 {
            return Err(refused("文件头中的分块大小无效"));
        }
        Ok(Self {
            format,
            algorithm,
            key_id,
            nonce_prefix,
            chunk,
        })
    }
}

/// A refusal of a backup file, named as such.
pub(crate) fn refused(what: &str) -> ServiceError {
    ServiceError::Rule(format!("备份文件不能使用：{what}"))
}

enum Encryptor {
    Sm4(Box<EncryptorBE32<Sm4Gcm>>),
    Aes(Box<EncryptorBE32<Aes256Gcm>>),
}

enum Decryptor {
    Sm4(Box<DecryptorBE32<Sm4Gcm>>),
    Aes(Box<DecryptorBE32<Aes256Gcm>>),
}

/// Seals what is written to it, chunk by chunk; [`SealedWriter::finish`]
/// seals the last chunk (without it the file does not open).
pub(crate) struct SealedWriter<W: Write> {
    inner: W,
    encryptor: Option<Encryptor>,
    header: Vec<u8>,
    buf: Vec<u8>,
}

impl<W: Write> SealedWriter<W> {
    pub fn new(mut inner: W, key: &Key) -> Result<Self, ServiceError> {
        let header = Header::new(key);
        let bytes = header.bytes();
        inner
            .write_all(&bytes)
            .map_err(|e| ServiceError::Rule(format!("写入备份文件失败：{e}")))?;
        let nonce = (&header.nonce_prefix).into();
        let encryptor = match key.cipher()? {
            Cipher::Sm4(c) => Encryptor::Sm4(Box::new(EncryptorBE32::from_aead(*c, nonce))),
            Cipher::Aes(c) => Encryptor::Aes(Box::new(EncryptorBE32::from_aead(*c, nonce))),
        };
        Ok(Self {
            inner,
            encryptor: Some(encryptor),
            header: bytes,
            buf: Vec::with_capacity(CHUNK),
        })
    }

    fn seal_chunk(&mut self) -> io::Result<()> {
        let payload = Payload {
            msg: &self.buf,
            aad: &self.header,
        };
        let sealed = match self.encryptor.as_mut() {
            Some(Encryptor::Sm4(e)) => e.encrypt_next(payload),
            Some(Encryptor::Aes(e)) => e.encrypt_next(payload),
            None => return Err(io::Error::other("the backup stream is already finished")),
        }
        .map_err(|_| io::Error::other("encryption failed"))?;
        self.inner.write_all(&sealed)?;
        self.buf.clear();
        Ok(())
    }

    /// Seals the last chunk and hands back the inner writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        let payload = Payload {
            msg: &self.buf,
            aad: &self.header,
        };
        let sealed = match self.encryptor.take() {
            Some(Encryptor::Sm4(e)) => (*e).encrypt_last(payload),
            Some(Encryptor::Aes(e)) => (*e).encrypt_last(payload),
            None => return Err(io::Error::other("the backup stream is already finished")),
        }
        .map_err(|_| io::Error::other("encryption failed"))?;
        self.inner.write_all(&sealed)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealedWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // A full chunk is sealed only once more data comes, so the last
        // chunk is always sealed as the last by `finish`.
        if self.buf.len() == CHUNK {
            self.seal_chunk()?;
        }
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Opens a sealed stream chunk by chunk; an error names the chunk and
/// whether the key or the file is to blame.
pub(crate) struct SealedReader<R: BufRead> {
    inner: R,
    decryptor: Option<Decryptor>,
    header: Vec<u8>,
    key_id: String,
    chunk: usize,
    plain: Vec<u8>,
    pos: usize,
    index: u64,
}

impl<R: BufRead> SealedReader<R> {
    /// Reads the header and finds its key in `keyring`.
    pub fn open(mut inner: R, keyring: &Keyring) -> Result<(Self, Header), ServiceError> {
        let header = Header::read(&mut inner)?;
        let key = keyring.find(&header.key_id).ok_or_else(|| {
            refused(&format!(
                "它由密钥 {} 加密，而所给的密钥文件中没有这个密钥（现有：{}）",
                header.key_id,
                keyring
                    .keys()
                    .iter()
                    .map(|k| k.id())
                    .collect::<Vec<_>>()
                    .join("、")
            ))
        })?;
        if key.algorithm() != header.algorithm {
            return Err(refused(&format!(
                "它用 {} 加密，而密钥 {} 是 {} 密钥",
                header.algorithm.code(),
                key.id(),
                key.algorithm().code()
            )));
        }
        let nonce = (&header.nonce_prefix).into();
        let decryptor = match key.cipher()? {
            Cipher::Sm4(c) => Decryptor::Sm4(Box::new(DecryptorBE32::from_aead(*c, nonce))),
            Cipher::Aes(c) => Decryptor::Aes(Box::new(DecryptorBE32::from_aead(*c, nonce))),
        };
        let reader = Self {
            inner,
            decryptor: Some(decryptor),
            header: header.bytes(),
            key_id: header.key_id.clone(),
            chunk: header.chunk as usize,
            plain: Vec::new(),
            pos: 0,
            index: 0,
        };
        Ok((reader, header))
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        let want = self.chunk + TAG;
        let mut sealed = Vec::with_capacity(want);
        (&mut self.inner)
            .take(want as u64)
            .read_to_end(&mut sealed)?;
        let last = sealed.len() < want || self.inner.fill_buf()?.is_empty();
        let index = self.index;
        self.index += 1;
        let payload = Payload {
            msg: &sealed,
            aad: &self.header,
        };
        let opened = if last {
            match self.decryptor.take() {
                Some(Decryptor::Sm4(d)) => (*d).decrypt_last(payload),
                Some(Decryptor::Aes(d)) => (*d).decrypt_last(payload),
                None => return Ok(()),
            }
        } else {
            match self.decryptor.as_mut() {
                Some(Decryptor::Sm4(d)) => d.decrypt_next(payload),
                Some(Decryptor::Aes(d)) => d.decrypt_next(payload),
                None => return Ok(()),
            }
        };
        let plain = opened.map_err(|_| {
            let why = if index == 0 {
                format!(
                    "密钥 {} 打不开它：密钥不对（同一编号的另一把密钥？），或文件已被截断或改动",
                    self.key_id
                )
            } else if last {
                format!(
                    "文件不完整（被截断）或结尾已被改动：第 {} 块校验失败",
                    index + 1
                )
            } else {
                format!("文件已被改动：第 {} 块校验失败", index + 1)
            };
            io::Error::new(io::ErrorKind::InvalidData, why)
        })?;
        self.plain = plain;
        self.pos = 0;
        Ok(())
    }
}

impl<R: BufRead> Read for SealedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.decryptor.is_none() {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(len: usize) -> (Vec<u8>, Vec<u8>, Keyring) {
        let key = Key::generate(Algorithm::Sm4Gcm);
        let ring = Keyring::parse(&key.line(), "t").unwrap();
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut w = SealedWriter::new(Vec::new(), ring.current()).unwrap();
        w.write_all(&data).unwrap();
        (w.finish().unwrap(), data, ring)
    }

    fn open(file: &[u8], ring: &Keyring) -> Result<Vec<u8>, String> {
        let (mut r, _) = SealedReader::open(file, ring).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn streams_of_any_length_round_trip() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7] {
            let (file, data, ring) = round(len);
            assert_eq!(open(&file, &ring).unwrap(), data, "{len}");
        }
    }

    #[test]
    fn truncation_tampering_and_another_key_are_refused() {
        let (file, _, ring) = round(3 * CHUNK + 100);
        // Cut at a chunk boundary: the chunk before was not sealed as last.
        let header = file.len() - (3 * (CHUNK + TAG) + 100 + TAG);
        let cut = &file[..header + 2 * (CHUNK + TAG)];
        let e = open(cut, &ring).unwrap_err();
        assert!(e.contains("截断"), "{e}");
        let e = open(&file[..file.len() - 1], &ring).unwrap_err();
        assert!(e.contains("截断"), "{e}");
        let mut flipped = file.clone();
        flipped[header + CHUNK + 500] ^= 0x40;
        let e = open(&flipped, &ring).unwrap_err();
        assert!(e.contains("第 2 块"), "{e}");
        // The header is authenticated too: another chunk size is refused.
        let mut edited = file.clone();
        edited[header - 1] ^= 1;
        assert!(open(&edited, &ring).is_err());
        let other = Key::generate(Algorithm::Sm4Gcm);
        let other = Keyring::parse(&other.line(), "t").unwrap();
        let e = open(&file, &other).unwrap_err();
        assert!(e.contains("没有这个密钥"), "{e}");
        // Same id, another secret: the first chunk does not open.
        let id = ring.current().id();
        let line = Key::generate(Algorithm::Sm4Gcm).line();
        let secret = line.rsplit(' ').next().unwrap();
        let fake = Keyring::parse(&format!("{id} sm4-gcm {secret}"), "t").unwrap();
        let e = open(&file, &fake).unwrap_err();
        assert!(e.contains("打不开"), "{e}");
        let e = open(b"PK\x03\x04 not a backup at all", &fake).unwrap_err();
        assert!(e.contains("不是帮扶备份"), "{e}");
    }
}

//! The append-only file: a magic line, then frames `[len: u32 LE][crc32: u32 LE][payload]`.
//! Every append is followed by `fdatasync` before the caller acknowledges anything. At open the
//! frames are replayed; a torn tail (a frame cut short, or zeros, or a bad checksum at the very
//! end: what a crash during the last append leaves) is cut off, while a bad frame followed by good
//! data is corruption and refuses to open (`ENTRENAR_DB_CORRUPT`) rather than dropping rows silently.
//! The file is locked (`flock`): one server per file.

use crate::error::{StoreError, DB_CORRUPT, INTERNAL, INVALID_CONFIG};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// First bytes of every store file.
pub const MAGIC: &[u8] = b"ENTRENAR-STORE 1\n";

/// Largest frame accepted at replay (a larger length field is a torn or corrupt header).
pub const MAX_FRAME: usize = 1 << 30;

const fn crc_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CRC_TABLE: [u32; 256] = crc_table();

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib computes it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = CRC_TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// An open store file positioned at its end.
pub struct Log {
    file: File,
    path: PathBuf,
    len: u64,
}

/// What replay found.
pub struct Replay {
    pub log: Log,
    /// Payloads of the good frames, in order.
    pub payloads: Vec<Vec<u8>>,
    /// Bytes cut off as a torn tail (0 when the file was clean).
    pub torn_bytes: u64,
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    StoreError::new(INTERNAL, format!("{what} {}: {e}", path.display()))
}

impl Log {
    /// Opens (or creates) the file, replays it and cuts a torn tail.
    pub fn open(path: &Path) -> Result<Replay, StoreError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| io_err(path, "cannot open", e))?;
        // One writer per file: a second server appending to it would interleave frames.
        if let Err(e) = file.try_lock() {
            return Err(match e {
                std::fs::TryLockError::WouldBlock => StoreError::new(
                    INVALID_CONFIG,
                    format!(
                        "{} is in use by another process (one server per file)",
                        path.display()
                    ),
                ),
                std::fs::TryLockError::Error(e) => io_err(path, "cannot lock", e),
            });
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data)
            .map_err(|e| io_err(path, "cannot read", e))?;
        let mut payloads = Vec::new();
        let mut good: u64;
        if data.len() < MAGIC.len() {
            if !MAGIC.starts_with(&data) {
                return Err(StoreError::new(
                    DB_CORRUPT,
                    format!(
                        "{} is not an entrenar store file (no magic)",
                        path.display()
                    ),
                ));
            }
            // A new file, or one torn while its magic was being written.
            file.set_len(0)
                .map_err(|e| io_err(path, "cannot truncate", e))?;
            file.write_all(MAGIC)
                .map_err(|e| io_err(path, "cannot write", e))?;
            file.sync_all()
                .map_err(|e| io_err(path, "cannot sync", e))?;
            if let Some(dir) = path.parent() {
                // The file's directory entry must be durable too.
                if let Ok(d) = File::open(if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                }) {
                    let _ = d.sync_all();
                }
            }
            let torn = data.len() as u64;
            return Ok(Replay {
                log: Log {
                    file,
                    path: path.to_path_buf(),
                    len: MAGIC.len() as u64,
                },
                payloads,
                torn_bytes: torn,
            });
        }
        if &data[..MAGIC.len()] != MAGIC {
            return Err(StoreError::new(
                DB_CORRUPT,
                format!(
                    "{} is not an entrenar store file (bad magic)",
                    path.display()
                ),
            ));
        }
        let mut at = MAGIC.len();
        good = at as u64;
        while at < data.len() {
            let rest = &data[at..];
            let torn_here = |reason: &str| -> Result<bool, StoreError> {
                // A bad frame is a torn tail only if nothing good can follow it.
                Err(StoreError::new(
                    DB_CORRUPT,
                    format!(
                        "{}: frame at byte {at} {reason}, and data follows",
                        path.display()
                    ),
                ))
            };
            if rest.len() < 8 {
                break; // header cut short
            }
            let len = u32::from_le_bytes(rest[0..4].try_into().unwrap()) as usize;
            let crc = u32::from_le_bytes(rest[4..8].try_into().unwrap());
            if len == 0 || len > MAX_FRAME {
                if rest.iter().all(|&b| b == 0) {
                    break;
                }
                torn_here(&format!("has length {len}"))?;
            }
            if 8 + len > rest.len() {
                break; // payload cut short
            }
            let payload = &rest[8..8 + len];
            if crc32(payload) != crc {
                if 8 + len == rest.len() || rest[8 + len..].iter().all(|&b| b == 0) {
                    break;
                }
                torn_here("fails its checksum")?;
            }
            payloads.push(payload.to_vec());
            at += 8 + len;
            good = at as u64;
        }
        let torn = data.len() as u64 - good;
        if torn > 0 {
            file.set_len(good)
                .map_err(|e| io_err(path, "cannot cut the torn tail of", e))?;
            file.sync_all()
                .map_err(|e| io_err(path, "cannot sync", e))?;
        }
        file.seek(SeekFrom::End(0))
            .map_err(|e| io_err(path, "cannot seek", e))?;
        Ok(Replay {
            log: Log {
                file,
                path: path.to_path_buf(),
                len: good,
            },
            payloads,
            torn_bytes: torn,
        })
    }

    /// Appends one frame and syncs it to disk. On failure the file is cut back to its previous end.
    pub fn append(&mut self, payload: &[u8]) -> Result<(), StoreError> {
        let mut frame = Vec::with_capacity(8 + payload.len());
        frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32(payload).to_le_bytes());
        frame.extend_from_slice(payload);
        let r = self
            .file
            .write_all(&frame)
            .and_then(|_| self.file.sync_data());
        if let Err(e) = r {
            let _ = self.file.set_len(self.len);
            return Err(io_err(&self.path, "cannot append to", e));
        }
        self.len += frame.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("entrenar-log-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn frames_replay_in_order() {
        let p = tmp("order");
        {
            let mut r = Log::open(&p).unwrap();
            assert!(r.payloads.is_empty());
            r.log.append(b"one").unwrap();
            r.log.append(b"two").unwrap();
        }
        let r = Log::open(&p).unwrap();
        assert_eq!(r.payloads, vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(r.torn_bytes, 0);
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn a_torn_tail_is_cut_and_appends_continue() {
        let p = tmp("torn");
        {
            let mut r = Log::open(&p).unwrap();
            r.log.append(b"kept").unwrap();
            r.log.append(b"torn away").unwrap();
        }
        let full = std::fs::metadata(&p).unwrap().len();
        for cut in [1u64, 5, 9, 12] {
            let f = OpenOptions::new().write(true).open(&p).unwrap();
            f.set_len(full - cut).unwrap();
            drop(f);
            let mut r = Log::open(&p).unwrap();
            assert_eq!(r.payloads, vec![b"kept".to_vec()], "cut {cut}");
            r.log.append(b"torn away").unwrap();
        }
        // Zeros after the last good frame (a crash that extended the file but wrote no data).
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(&[0u8; 64]).unwrap();
        drop(f);
        let r = Log::open(&p).unwrap();
        assert_eq!(r.payloads.len(), 2);
        assert_eq!(r.torn_bytes, 64);
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn one_writer_per_file() {
        let p = tmp("lock");
        let first = Log::open(&p).unwrap();
        assert_eq!(Log::open(&p).err().unwrap().code, INVALID_CONFIG);
        drop(first);
        assert!(Log::open(&p).is_ok());
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn a_bad_frame_followed_by_data_is_corruption() {
        let p = tmp("corrupt");
        {
            let mut r = Log::open(&p).unwrap();
            r.log.append(b"first").unwrap();
            r.log.append(b"second").unwrap();
        }
        let mut data = std::fs::read(&p).unwrap();
        data[MAGIC.len() + 8] ^= 0xff; // flip a payload byte of the first frame
        std::fs::write(&p, &data).unwrap();
        let e = Log::open(&p).err().unwrap();
        assert_eq!(e.code, DB_CORRUPT);
        std::fs::write(&p, b"not a store").unwrap();
        assert_eq!(Log::open(&p).err().unwrap().code, DB_CORRUPT);
        std::fs::remove_file(&p).unwrap();
    }
}

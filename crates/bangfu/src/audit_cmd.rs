//! `bangfu audit`: the operator's checks of the audit log.

use bangfu_service::Services;
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit log's hash chain from its first entry and report
    /// the first entry that does not fit (exits non-zero if any)
    Verify {
        /// A position and hash kept outside the database, as the server
        /// logs them daily ("audit chain head seq=N hash=H"): written N:H.
        /// The chain must still have that hash there, which a log
        /// rewritten and re-hashed after tampering would not
        #[arg(long, value_name = "SEQ:HASH")]
        expect: Option<String>,
    },
    /// Print the chain's head: the last entry's position and hash
    Head,
}

pub async fn run(services: &Services, cmd: AuditCommand) -> Result<(), String> {
    match cmd {
        AuditCommand::Head => {
            let h = services.audit_head().await.map_err(|e| e.to_string())?;
            println!("seq={} hash={}", h.seq, h.hash);
            Ok(())
        }
        AuditCommand::Verify { expect } => {
            let expect = expect.as_deref().map(parse_expect).transpose()?;
            let wanted = expect.clone();
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let v = services
                .audit_verify(expect, move |n| {
                    if tty {
                        eprint!("\r已校验 {n} 条");
                        let _ = std::io::stderr().flush();
                    }
                })
                .await
                .map_err(|e| e.to_string())?;
            if tty {
                eprintln!();
            }
            let mut problems = Vec::new();
            if let Some(b) = &v.broken {
                problems.push(format!("审计日志链断裂：{b}"));
            }
            if v.unsealed > 0 {
                problems.push(format!(
                    "{} 条日志不在链上（第一条 id {}）：它们不是由本系统写入的",
                    v.unsealed,
                    v.first_unsealed.unwrap_or_default()
                ));
            }
            match (&wanted, v.expected) {
                (Some((seq, hash)), Some(false)) => problems.push(format!(
                    "第 {seq} 条的哈希已不是 {hash}：日志在该位置之前被改写后重新计算过"
                )),
                (Some((seq, _)), None) if v.broken.is_none() => problems.push(format!(
                    "链上只有 {} 条，达不到第 {seq} 条：日志被截短了",
                    v.entries
                )),
                _ => {}
            }
            if problems.is_empty() {
                println!(
                    "审计日志完整：{} 条日志全部符合哈希链（SM3），最新 seq={} hash={}",
                    v.entries, v.entries, v.head
                );
                Ok(())
            } else {
                println!("已校验到第 {} 条（其哈希 {}）。", v.entries, v.head);
                Err(problems.join("\n"))
            }
        }
    }
}

fn parse_expect(raw: &str) -> Result<(i64, String), String> {
    let bad = || format!("--expect “{raw}” 应写作 序号:哈希，例如 1024:3f5a…（64 位十六进制）");
    let (seq, hash) = raw.split_once(':').ok_or_else(bad)?;
    let seq: i64 = seq.trim().parse().map_err(|_| bad())?;
    let hash = hash.trim().to_ascii_lowercase();
    if seq < 1 || hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash))
}

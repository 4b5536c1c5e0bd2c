//! `bangfu tallies`: the operator's check of the panel's tallies against
//! the rows they count, and their rebuilding.

use bangfu_service::{Operator, Services};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum TalliesCommand {
    /// Compare the tallies (the panel's and the targets' running sums) with
    /// the files, decisions and money they count; exits non-zero if they differ
    Check,
    /// Make the tallies again from the rows they count (audited)
    Rebuild,
}

pub async fn run(services: &Services, cmd: TalliesCommand) -> Result<(), String> {
    match cmd {
        TalliesCommand::Check => {
            let (extra, missing) = services
                .operator_tallies_check(Operator)
                .await
                .map_err(|e| e.to_string())?;
            if (extra, missing) == (0, 0) {
                println!("统计汇总与档案、决定和资金记录一致");
                Ok(())
            } else {
                Err(format!(
                    "统计汇总与记录不一致：{extra} 行多余或不符，{missing} 行缺少。\
                     可运行 bangfu tallies rebuild 重建"
                ))
            }
        }
        TalliesCommand::Rebuild => {
            let n = services
                .operator_tallies_rebuild(Operator)
                .await
                .map_err(|e| e.to_string())?;
            println!("已重建统计汇总：{n} 行");
            Ok(())
        }
    }
}

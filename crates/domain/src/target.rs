//! Yearly targets (目标任务, DOMAIN.md §8, 001 §二, 000): a share of a
//! union's baseline cohort to be out of hardship or relieved each year.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// Where a union without targets of its own (nor any ancestor's) takes its
/// yearly shares from: a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultPlan {
    /// 梧州 (001 §二): 30 % in 2017, 25 % in 2018 and 2019, 20 % in 2020; no
    /// default share in other years.
    Wuzhou,
    /// 广东 (000): at least 20 % every year.
    Guangdong,
}

impl DefaultPlan {
    pub fn code(self) -> &'static str {
        match self {
            DefaultPlan::Wuzhou => "wuzhou",
            DefaultPlan::Guangdong => "guangdong",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DefaultPlan::Wuzhou => "2017–2020 年依次 30%、25%、25%、20%（梧州方案）",
            DefaultPlan::Guangdong => "每年不低于 20%（广东方案）",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim() {
            "wuzhou" => Ok(DefaultPlan::Wuzhou),
            "guangdong" => Ok(DefaultPlan::Guangdong),
            other => Err(ValidationError::new(
                "target_plan",
                format!("目标方案“{other}”无效，可选：wuzhou、guangdong"),
            )),
        }
    }

    /// The default share of the baseline cohort for `year`, in basis points
    /// (1 % = 100).
    pub fn share_bp(self, year: i32) -> Option<u32> {
        match self {
            DefaultPlan::Wuzhou => match year {
                2017 => Some(3000),
                2018 | 2019 => Some(2500),
                2020 => Some(2000),
                _ => None,
            },
            DefaultPlan::Guangdong => Some(2000),
        }
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bangfu_domain::IdNumber;
use chrono::NaiveDate;

use super::cells::text_of;
use super::layout::{header_base, header_key};
use super::run::clean_name;
use super::template::{Kind, EXAMPLE_MEMBER_ID, EXAMPLE_WORKER_ID, SHEETS};
use super::workbook::Cell;
#[test]
fn example_ids_are_valid() {
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for id in [EXAMPLE_WORKER_ID, EXAMPLE_MEMBER_ID] {
        assert!(IdNumber::parse("x", id, today).is_ok(), "{id}");
    }
}

#[test]
fn examples_of_every_column_parse() {
    for def in &SHEETS {
        for c in def.columns {
            if c.kind == Kind::Coded && !c.example.is_empty() {
                assert!(
                    c.options().contains(&c.example),
                    "{} {}",
                    def.name,
                    c.header
                );
            }
        }
    }
}

#[test]
fn numbers_in_id_columns() {
    let e = text_of(&Cell::Number(440103198001011231.0), Kind::IdNumber).unwrap_err();
    assert!(e.contains("15 位有效数字"), "{e}");
    assert_eq!(
        text_of(&Cell::Number(13800138000.0), Kind::Phone).unwrap(),
        "13800138000"
    );
    assert_eq!(
        text_of(&Cell::Number(1234.5), Kind::Yuan).unwrap(),
        "1234.50"
    );
    assert_eq!(text_of(&Cell::Number(0.1), Kind::Yuan).unwrap(), "0.10");
    assert!(text_of(&Cell::Number(1.234), Kind::Yuan).is_err());
    assert!(text_of(&Cell::Formula("A1+1".into()), Kind::Text).is_err());
    let d = NaiveDate::from_ymd_opt(2019, 3, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    assert_eq!(text_of(&Cell::Date(d), Kind::Month).unwrap(), "2019-03");
    assert_eq!(text_of(&Cell::Date(d), Kind::Date).unwrap(), "2019-03-01");
}

#[test]
fn file_names_are_cleaned() {
    assert_eq!(clean_name("C:\\fakepath\\名单.xlsx"), "名单.xlsx");
    assert_eq!(clean_name(" a/b/c.xlsx "), "c.xlsx");
    assert_eq!(clean_name("\u{7}"), "导入文件.xlsx");
}

#[test]
fn headers_match_loosely() {
    assert_eq!(header_key(" 农民工(是/否) "), header_key("农民工（是/否）"));
    assert_eq!(header_key("姓名*"), "姓名");
    assert_eq!(
        header_base(&header_key("月收入")),
        header_base(&header_key("月收入（元）"))
    );
}

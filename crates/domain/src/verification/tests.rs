use super::*;
use proptest::prelude::*;

const WORKER: &str = "110101198001010010";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default()
}

fn cells(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn on_file() -> FileSide {
    FileSide {
        status: Status::OnFile,
        followed: false,
        category: Category::NearDibao,
        dibao_since: None,
        size: 3,
        causes: vec![HardshipCause::Illness],
        is_worker: true,
        employment: Employment::Unemployed,
        disability_grade: None,
        earnings_in_month: None,
        medical_in_month: None,
    }
}

fn exited() -> FileSide {
    FileSide {
        status: Status::Exited,
        followed: true,
        ..on_file()
    }
}

fn removed() -> FileSide {
    FileSide {
        status: Status::Removed,
        ..on_file()
    }
}

fn facts(dataset: Dataset, pairs: &[(&str, &str)]) -> Facts {
    let mut all = vec![("id_number", WORKER)];
    all.extend_from_slice(pairs);
    match parse_row(dataset, 1, &cells(&all), today()) {
        Ok(r) => r.facts,
        Err(p) => panic!("{p:?}"),
    }
}

#[test]
fn a_row_names_its_person_once() {
    let both = parse_row(
        Dataset::Death,
        3,
        &cells(&[("id_number", WORKER), ("id_hash", &"a".repeat(64))]),
        today(),
    );
    assert_eq!(
        both.map_err(|p| (p[0].row, p[0].column.clone())),
        Err((3, "id_number".into()))
    );
    let none = parse_row(Dataset::Death, 1, &cells(&[]), today());
    assert!(none.is_err());
    let hash = parse_row(
        Dataset::Death,
        1,
        &cells(&[("id_hash", &"AB".repeat(32))]),
        today(),
    );
    assert_eq!(
        hash.map(|r| r.person),
        Ok(PersonKey::Hash(IdHash("ab".repeat(32))))
    );
}

#[test]
fn every_problem_of_a_row_is_listed_with_its_column() {
    let bad = parse_row(
        Dataset::Vehicle,
        7,
        &cells(&[("id_number", "110101198001010013"), ("colour", "red")]),
        today(),
    );
    let Err(problems) = bad else {
        panic!("accepted")
    };
    let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, vec!["id_number", "colour", "value_fen"]);
    assert!(problems.iter().all(|p| p.row == 7));
    assert!(problems[0].message.contains("校验位"));
}

#[test]
fn hashes_of_the_wrong_length_or_alphabet_are_refused() {
    for (raw, ok) in [
        ("a".repeat(64), true),
        ("a".repeat(63), false),
        ("a".repeat(65), false),
        (format!("{}g", "a".repeat(63)), false),
        (String::new(), false),
    ] {
        assert_eq!(IdHash::parse(&raw).is_ok(), ok, "{raw}");
    }
}

#[test]
fn fields_are_parsed_by_kind() {
    for (dataset, pairs, ok) in [
        (Dataset::Vehicle, vec![("value_fen", "12000000")], true),
        (Dataset::Vehicle, vec![("value_fen", "-1")], false),
        (Dataset::Vehicle, vec![("value_fen", "12.5")], false),
        (
            Dataset::Medical,
            vec![("month", "2026-11"), ("amount_fen", "1")],
            true,
        ),
        (
            Dataset::Medical,
            vec![("month", "2026-13"), ("amount_fen", "1")],
            false,
        ),
        (Dataset::Disability, vec![("grade", "4")], true),
        (Dataset::Disability, vec![("grade", "5")], false),
        (Dataset::Death, vec![("died_on", "2026-11-31")], false),
        (Dataset::Death, vec![], true),
    ] {
        let mut all = vec![("id_number", WORKER)];
        all.extend(pairs.iter().copied());
        assert_eq!(
            parse_row(dataset, 1, &cells(&all), today()).is_ok(),
            ok,
            "{dataset:?} {pairs:?}"
        );
    }
}

#[test]
fn each_dataset_touches_its_rule() {
    let t = Thresholds::default();
    let member = FileSide {
        is_worker: false,
        ..on_file()
    };
    let dibao_file = FileSide {
        category: Category::Dibao,
        dibao_since: Month::new(2025, 1),
        ..on_file()
    };
    let employed_paid = FileSide {
        employment: Employment::Employed,
        earnings_in_month: Some(Fen(500_000)),
        ..on_file()
    };
    type Case<'a> = (Dataset, Vec<(&'a str, &'a str)>, FileSide, Option<Concern>);
    let cases: Vec<Case> = vec![
        (
            Dataset::Dibao,
            vec![("since", "2026-03")],
            on_file(),
            Some(Concern::Dibao),
        ),
        (Dataset::Dibao, vec![], dibao_file.clone(), None),
        (Dataset::Dibao, vec![], removed(), None),
        (Dataset::Tekun, vec![], exited(), Some(Concern::RelapseRisk)),
        (
            Dataset::Vehicle,
            vec![("value_fen", "10000001")],
            on_file(),
            Some(Concern::Assets),
        ),
        (
            Dataset::Vehicle,
            vec![("value_fen", "10000000")],
            on_file(),
            None,
        ),
        (
            Dataset::Vehicle,
            vec![("value_fen", "90000000")],
            exited(),
            None,
        ),
        (
            Dataset::Property,
            vec![("properties", "2"), ("floor_area_m2", "60")],
            on_file(),
            Some(Concern::Assets),
        ),
        (
            Dataset::Property,
            vec![("properties", "1"), ("floor_area_m2", "121")],
            on_file(),
            Some(Concern::Assets),
        ),
        (
            Dataset::Property,
            vec![("properties", "1"), ("floor_area_m2", "120")],
            on_file(),
            None,
        ),
        (
            Dataset::Business,
            vec![],
            on_file(),
            Some(Concern::UndeclaredIncome),
        ),
        (
            Dataset::Insurance,
            vec![("month", "2026-10"), ("base_fen", "400000")],
            on_file(),
            Some(Concern::UndeclaredIncome),
        ),
        (
            Dataset::Insurance,
            vec![("month", "2026-10"), ("base_fen", "400000")],
            employed_paid,
            None,
        ),
        (
            Dataset::Unemployment,
            vec![],
            exited(),
            Some(Concern::RelapseRisk),
        ),
        (Dataset::Unemployment, vec![], on_file(), None),
        (
            Dataset::Unemployment,
            vec![],
            FileSide {
                employment: Employment::Employed,
                ..on_file()
            },
            Some(Concern::Employment),
        ),
        (
            Dataset::Death,
            vec![("died_on", "2026-11-02")],
            on_file(),
            Some(Concern::WorkerDied),
        ),
        (
            Dataset::Death,
            vec![],
            member.clone(),
            Some(Concern::MemberDied),
        ),
        (Dataset::Death, vec![], removed(), None),
        (Dataset::Death, vec![], exited(), None),
        (
            Dataset::Medical,
            vec![("month", "2026-11"), ("amount_fen", "3000000")],
            on_file(),
            Some(Concern::MedicalBill),
        ),
        (
            Dataset::Medical,
            vec![("month", "2026-11"), ("amount_fen", "3000000")],
            FileSide {
                medical_in_month: Some(Fen(3_000_000)),
                ..on_file()
            },
            None,
        ),
        (
            Dataset::Medical,
            vec![("month", "2026-11"), ("amount_fen", "3000000")],
            exited(),
            Some(Concern::RelapseRisk),
        ),
        (
            Dataset::Disability,
            vec![("grade", "2")],
            on_file(),
            Some(Concern::Disability),
        ),
        (
            Dataset::Disability,
            vec![("grade", "2")],
            FileSide {
                disability_grade: Some(2),
                ..member
            },
            None,
        ),
        (
            Dataset::Disaster,
            vec![],
            on_file(),
            Some(Concern::Disaster),
        ),
        (
            Dataset::Disaster,
            vec![],
            FileSide {
                causes: vec![HardshipCause::Disaster],
                ..on_file()
            },
            None,
        ),
        (
            Dataset::Disaster,
            vec![("loss_fen", "100")],
            exited(),
            Some(Concern::RelapseRisk),
        ),
    ];
    for (dataset, pairs, file, want) in cases {
        let got = check(dataset, &facts(dataset, &pairs), &file, &t);
        assert_eq!(
            got.as_ref().map(|m| m.concern),
            want,
            "{dataset:?} {pairs:?} {file:?}"
        );
        if let Some(m) = got {
            assert!(!m.dataset_says.is_empty() && !m.file_says.is_empty());
            assert!(m.concern.actions().contains(&Action::Dismiss));
        }
    }
}

#[test]
fn warnings_reach_households_on_file_or_followed() {
    assert!(warns(&on_file()));
    assert!(warns(&exited()));
    assert!(!warns(&FileSide {
        followed: false,
        ..exited()
    }));
    assert!(!warns(&removed()));
}

#[test]
fn every_dataset_has_a_label_a_department_and_fields_with_codes() {
    for d in Dataset::ALL {
        assert_eq!(Dataset::parse(d.code()), Ok(*d));
        assert_eq!(Dataset::parse(d.label()), Ok(*d));
        assert!(!d.department().is_empty());
        for f in d.fields() {
            assert!(f.code != "id_number" && f.code != "id_hash");
        }
    }
}

proptest! {
    #[test]
    fn a_vehicle_is_in_doubt_exactly_above_the_threshold(value in 0_i64..100_000_000, limit in 0_i64..100_000_000) {
        let t = Thresholds { vehicle_value: Fen(limit), ..Thresholds::default() };
        let f = facts(Dataset::Vehicle, &[("value_fen", &value.to_string())]);
        prop_assert_eq!(check(Dataset::Vehicle, &f, &on_file(), &t).is_some(), value > limit);
    }

    #[test]
    fn a_removed_file_never_has_a_mismatch(ds in 0_usize..11) {
        let d = Dataset::ALL[ds];
        let pairs: Vec<(&str, &str)> = d.fields().iter().filter(|f| f.required).map(|f| (f.code, match f.kind {
            FieldKind::Month => "2026-10",
            FieldKind::Date => "2026-10-01",
            FieldKind::Grade => "1",
            FieldKind::Text => "x",
            _ => "99999999",
        })).collect();
        prop_assert!(check(d, &facts(d, &pairs), &removed(), &Thresholds::default()).is_none());
    }
}

proptest! {
    /// Packing a row's facts for matching loses nothing the rules read.
    #[test]
    fn packed_facts_unpack_to_what_was_parsed(ds in 0_usize..11, money in 0_i64..10_000_000, grade in 1_i64..5, give in proptest::collection::vec(any::<bool>(), 4)) {
        let d = Dataset::ALL[ds];
        let values: Vec<(&str, String)> = d.fields().iter().zip(give.iter().cycle()).filter(|(f, g)| f.required || **g).map(|(f, _)| (f.code, match f.kind {
            FieldKind::Month => "2026-10".to_owned(),
            FieldKind::Date => "2026-10-01".to_owned(),
            FieldKind::Grade => grade.to_string(),
            FieldKind::Text => "某某".to_owned(),
            _ => money.to_string(),
        })).collect();
        let pairs: Vec<(&str, &str)> = values.iter().map(|(c, v)| (*c, v.as_str())).collect();
        let f = facts(d, &pairs);
        prop_assert_eq!(Packed::of(d, f.clone()).facts(d), f);
    }
}

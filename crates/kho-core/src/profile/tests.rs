use super::*;
use proptest::prelude::*;

fn shipped() -> DatasetSchema {
    DatasetSchema::parse(DEFAULT_DATASET_SCHEMA, "profiles/dataset.yaml").expect("shipped profile")
}

fn field<'a>(s: &'a DatasetSchema, name: &str) -> &'a Field {
    s.dataset_field(name).expect("field")
}

fn msgs(o: FieldOutcome) -> Vec<String> {
    match o {
        FieldOutcome::Invalid(ms) => ms.iter().map(Msg::english).collect(),
        other => panic!("expected errors, got {other:?}"),
    }
}

use crate::error::Msg;

#[test]
fn shipped_profiles_parse() {
    let s = shipped();
    assert_eq!(s.dataset_type, "dataset");
    assert_eq!(s.scheming_version, Some(2));
    let profile: Vec<&str> = s.profile_fields().map(|f| f.field_name.as_str()).collect();
    assert_eq!(
        profile,
        [
            "update_frequency",
            "temporal_start",
            "temporal_end",
            "spatial",
            "theme",
            "legal_basis",
            "contact_name",
            "contact_email"
        ]
    );
    assert!(field(&s, "sharing_level").core);
    assert!(field(&s, "title").core);
    assert_eq!(field(&s, "theme").choices.as_ref().map(Vec::len), Some(12));
    assert_eq!(
        field(&s, "sharing_level").label.text("vi"),
        "Hình thức chia sẻ"
    );
    assert_eq!(field(&s, "sharing_level").label.text("en"), "Sharing level");
    assert_eq!(field(&s, "sharing_level").label.text("fr"), "Sharing level");
    let o = OrganizationSchema::parse(DEFAULT_ORGANIZATION_SCHEMA, "profiles/organization.yaml")
        .expect("shipped organization profile");
    let names: Vec<&str> = o.profile_fields().map(|f| f.field_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "agency_code",
            "focal_point_name",
            "focal_point_position",
            "focal_point_phone",
            "focal_point_email"
        ]
    );
    // shipped() is the same file.
    assert_eq!(DatasetSchema::shipped(), s);
    assert_eq!(OrganizationSchema::shipped(), o);
}

#[test]
fn frequency_uris_match_the_shipped_choices() {
    let s = shipped();
    for c in field(&s, "update_frequency").choices.iter().flatten() {
        assert_eq!(frequency_uri(&c.value), c.uri.as_deref(), "{}", c.value);
    }
    assert_eq!(frequency_uri("fortnightly"), None);
}

#[test]
fn presets_expand_as_scheming() {
    let s = shipped();
    let theme = &s.expanded["dataset_fields"]
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["field_name"] == "theme")
        .expect("theme")
        .clone();
    assert_eq!(theme["validators"], "scheming_multiple_choice");
    assert_eq!(
        theme["output_validators"],
        "scheming_multiple_choice_output"
    );
    assert_eq!(theme["form_snippet"], "multiple_select.html");
    // The preset's keys come first, then the field's own.
    let keys: Vec<&String> = theme.as_object().expect("obj").keys().collect();
    assert_eq!(keys[0], "form_snippet");
    let raw_theme = s.raw["dataset_fields"]
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["field_name"] == "theme")
        .expect("theme");
    assert!(raw_theme.get("validators").is_none());
    assert_eq!(
        field(&s, "theme").output_validators,
        [OutputValidator::SchemingMultipleChoiceOutput]
    );
}

#[test]
fn bad_files_are_clear_errors() {
    let e = |t: &str, f: &str| DatasetSchema::parse(t, f).expect_err("error").to_string();
    assert!(e("{", "x.json").starts_with("x.json: not valid JSON"));
    assert!(e("a: [", "x.yaml").starts_with("x.yaml: not valid YAML"));
    assert_eq!(
        e("- 1", "x.yaml"),
        "x.yaml: the schema must be a mapping (an object) at the top level"
    );
    assert_eq!(
        e("dataset_fields: []", "x.yaml"),
        "x.yaml: dataset_type is missing or not a string"
    );
    assert_eq!(
        e("dataset_type: dataset", "x.yaml"),
        "x.yaml: dataset_fields must be a list of fields"
    );
    let one = |f: &str| format!("dataset_type: dataset\ndataset_fields:\n- {f}\n");
    assert_eq!(
        e(
            &one("field_name: x\n  validators: ignore_missing frobnicate"),
            "p.yaml"
        ),
        "p.yaml: field x: unknown validator \"frobnicate\""
    );
    assert_eq!(
        e(&one("field_name: x\n  preset: nope"), "p.yaml"),
        "p.yaml: field x: preset \"nope\" is not supported"
    );
    assert_eq!(
        e(&one("field_name: x\n  preset: select"), "p.yaml"),
        "p.yaml: field x: scheming_choices and scheming_multiple_choice need a choices list"
    );
    assert_eq!(
        e(&one("field_name: x\n  preset: dataset_slug"), "p.yaml"),
        "p.yaml: field x: preset \"dataset_slug\" applies only to the core field \"name\""
    );
    assert_eq!(
        e(
            &one("field_name: x\n  validators: name_validator"),
            "p.yaml"
        ),
        "p.yaml: field x: validator \"name_validator\" applies only to CKAN's core fields"
    );
    assert_eq!(
        e(&one("field_name: x\n  label: [1]"), "p.yaml"),
        "p.yaml: field x: label must be a string or a mapping of language to string"
    );
    assert_eq!(
        e(&one("label: x"), "p.yaml"),
        "p.yaml: dataset_fields[0] has no field_name (a non-empty string)"
    );
    assert_eq!(
        e(
            &one("field_name: sharing_level\n  preset: select\n  choices: [{value: secret, label: S}]"),
            "p.yaml"
        ),
        "p.yaml: field sharing_level: choice \"secret\" is not a sharing level (open, shared, restricted)"
    );
    assert_eq!(
        e(&one("field_name: b\n  not_before: a"), "p.yaml"),
        "p.yaml: field b: not_before names no field of this schema: \"a\""
    );
    assert_eq!(
        e(
            &format!("{}- field_name: x\n", one("field_name: x")),
            "p.yaml"
        ),
        "p.yaml: field x: appears twice in dataset_fields"
    );
    // JSON files are read as JSON.
    let j = DatasetSchema::parse(
        r#"{"scheming_version": 2, "dataset_type": "camel", "dataset_fields": [{"field_name": "humps", "label": "Humps", "validators": "ignore_missing int_validator"}]}"#,
        "camel.json",
    )
    .expect("json");
    assert_eq!(j.dataset_type, "camel");
    assert_eq!(
        j.dataset_fields[0].validators,
        [Validator::IgnoreMissing, Validator::IntValidator]
    );
}

#[test]
fn required_and_default_validators() {
    let s = DatasetSchema::parse(
        "dataset_type: d\ndataset_fields:\n- field_name: a\n  required: true\n- field_name: b\n  validators: not_empty unicode_safe\n- field_name: c\n- field_name: d\n  validators: ignore_missing default('x') unicode_safe\n",
        "t.yaml",
    )
    .expect("ok");
    assert_eq!(field(&s, "a").validators, [Validator::NotEmpty]);
    assert!(field(&s, "b").required, "guessed from not_empty");
    assert_eq!(field(&s, "c").validators, [Validator::IgnoreMissing]);
    assert_eq!(msgs(field(&s, "a").check(None)), ["Missing value"]);
    assert_eq!(
        msgs(field(&s, "a").check(Some(&json!("")))),
        ["Missing value"]
    );
    assert_eq!(field(&s, "c").check(None), FieldOutcome::Absent);
    assert_eq!(
        field(&s, "c").check(Some(&Value::Null)),
        FieldOutcome::Absent
    );
    assert_eq!(
        field(&s, "c").check(Some(&json!(""))),
        FieldOutcome::Stored("".into())
    );
    // convert_to_extras stores text (unicode_safe): numbers and lists as JSON.
    assert_eq!(
        field(&s, "c").check(Some(&json!(5))),
        FieldOutcome::Stored("5".into())
    );
    assert_eq!(
        field(&s, "c").check(Some(&json!(["a", 1]))),
        FieldOutcome::Stored("[\"a\", 1]".into())
    );
    assert_eq!(
        field(&s, "d").check(Some(&json!(""))),
        FieldOutcome::Stored("x".into())
    );
    assert_eq!(field(&s, "d").check(None), FieldOutcome::Absent);
}

#[test]
fn scheming_messages() {
    let s = shipped();
    let freq = field(&s, "update_frequency");
    assert_eq!(
        msgs(freq.check(Some(&json!("hourly")))),
        ["Value must be one of ['continuous', 'daily', 'weekly', 'monthly', 'quarterly', 'semiannual', 'annual', 'biennial', 'irregular', 'never', 'unknown']"]
    );
    assert_eq!(
        freq.check(Some(&json!("monthly"))),
        FieldOutcome::Stored("monthly".into())
    );
    // CKAN 2.12's OneOf lets "" through.
    assert_eq!(
        freq.check(Some(&json!(""))),
        FieldOutcome::Stored("".into())
    );
    assert_eq!(freq.check(None), FieldOutcome::Absent);

    let theme = field(&s, "theme");
    assert_eq!(
        theme.check(Some(&json!(["society", "health", "health"]))),
        FieldOutcome::Stored("[\"health\", \"society\"]".into())
    );
    assert_eq!(
        theme.check(Some(&json!("health"))),
        FieldOutcome::Stored("[\"health\"]".into())
    );
    assert_eq!(theme.check(None), FieldOutcome::Stored("[]".into()));
    assert_eq!(
        msgs(theme.check(Some(&json!(["health", "sports", 3])))),
        ["unexpected choice \"sports\"", "unexpected choice \"3\""]
    );
    assert_eq!(
        msgs(theme.check(Some(&json!({"a": 1})))),
        ["expecting list of strings"]
    );
    assert_eq!(theme.show("[\"health\"]"), json!(["health"]));
    assert_eq!(theme.show("health"), json!(["health"]));

    let start = field(&s, "temporal_start");
    assert_eq!(
        start.check(Some(&json!("2024-03-01T10:00:00"))),
        FieldOutcome::Stored("2024-03-01".into())
    );
    assert_eq!(
        msgs(start.check(Some(&json!("01/03/2024")))),
        ["Date format incorrect"]
    );
    assert_eq!(
        msgs(start.check(Some(&json!(20240301)))),
        ["Date format incorrect"]
    );

    let email = field(&s, "contact_email");
    assert_eq!(
        msgs(email.check(Some(&json!("not-an-email")))),
        ["Email not-an-email is not a valid format"]
    );
    assert_eq!(
        email.check(Some(&json!(" a@b.vn "))),
        FieldOutcome::Stored("a@b.vn".into())
    );
}

#[test]
fn other_validators() {
    let s = DatasetSchema::parse(
        "dataset_type: d\ndataset_fields:\n- field_name: u\n  validators: ignore_missing unicode_safe url_validator\n- field_name: n\n  validators: ignore_missing int_validator\n- field_name: t\n  preset: datetime\n  required: true\n",
        "t.yaml",
    )
    .expect("ok");
    let u = field(&s, "u");
    assert_eq!(
        msgs(u.check(Some(&json!("ftp://x.vn")))),
        ["Please provide a valid URL"]
    );
    assert_eq!(
        msgs(u.check(Some(&json!("http://bad host/")))),
        ["Please provide a valid URL"]
    );
    assert_eq!(
        u.check(Some(&json!("https://data.gov.vn:8443/a?b"))),
        FieldOutcome::Stored("https://data.gov.vn:8443/a?b".into())
    );
    let n = field(&s, "n");
    assert_eq!(msgs(n.check(Some(&json!("1.5")))), ["Invalid integer"]);
    assert_eq!(
        n.check(Some(&json!(" 42 "))),
        FieldOutcome::Stored("42".into())
    );
    let t = field(&s, "t");
    assert_eq!(msgs(t.check(None)), ["Missing value"]);
    assert_eq!(
        msgs(t.check(Some(&json!("later")))),
        ["Date format incorrect"]
    );
    assert_eq!(
        t.check(Some(&json!("2024-03-01T10:20"))),
        FieldOutcome::Stored("2024-03-01T10:20:00".into())
    );
}

#[test]
fn agency_codes() {
    assert!(agency_code("000.00.14.H57").is_ok());
    assert!(agency_code("G12.34.56.A00").is_err());
    for bad in [
        "",
        "000.00.14",
        "000.00.14.h57",
        "00.00.14.H57",
        "000.00.14.H5",
        "000.00.14.H57.",
    ] {
        assert!(agency_code(bad).is_err(), "{bad}");
    }
}

#[test]
fn dataset_profile_values() {
    let s = shipped();
    let extras = [crate::model::GroupExtra {
        id: "e".into(),
        group_id: "g".into(),
        key: "focal_point_email".into(),
        value: "dau.moi@so.gov.vn".into(),
        state: "active".into(),
    }];
    let vctx = ValueCtx {
        org_extras: Some(&extras),
    };
    let input = json!({
        "temporal_start": "2024-01-01",
        "temporal_end": "2023-12-31",
        "contact_email": "dau.moi@so.gov.vn",
        "contact_name": "Chị Lan",
    });
    let pv = s.validate_dataset(input.as_object().expect("obj"), &vctx);
    let errs: Vec<_> = pv.errors.0.keys().cloned().collect();
    assert_eq!(errs, ["temporal_end"]);
    let ok = json!({
        "temporal_start": "2024-01-01",
        "temporal_end": "2024-01-01",
        "contact_email": "dau.moi@so.gov.vn",
        "contact_name": "Chị Lan",
        "theme": ["local"],
    });
    let pv = s.validate_dataset(ok.as_object().expect("obj"), &vctx);
    assert!(pv.errors.is_empty());
    // The focal point's own e-mail is not frozen into the dataset.
    assert_eq!(
        Value::Object(pv.values),
        json!({"temporal_start": "2024-01-01", "temporal_end": "2024-01-01", "theme": ["local"], "contact_name": "Chị Lan"})
    );
}

#[test]
fn python_reprs() {
    assert_eq!(
        python_list_repr(&["a".into(), "it's".into()]),
        "['a', \"it's\"]"
    );
    assert_eq!(python_list_repr(&[]), "[]");
}

proptest! {
    /// Any file at all: a schema or a clear error, never a panic.
    #[test]
    fn parser_never_panics(text in "\\PC{0,200}") {
        let _ = DatasetSchema::parse(&text, "p.yaml");
        let _ = DatasetSchema::parse(&text, "p.json");
        let _ = OrganizationSchema::parse(&text, "o.yaml");
    }

    /// Generated schemas of known validators parse, keep their fields in order, and
    /// every field's check returns without panicking on any input text.
    #[test]
    fn generated_schemas_parse(
        names in proptest::collection::btree_set("[a-z][a-z_]{0,12}", 1..6),
        validators in proptest::collection::vec(
            proptest::sample::select(vec![
                "ignore_missing", "not_empty", "scheming_required", "unicode_safe",
                "strip_value", "email_validator", "url_validator", "int_validator",
                "isodate", "convert_to_json_if_date", "default(0)",
            ]),
            0..4,
        ),
        value in "\\PC{0,30}",
    ) {
        let mut text = String::from("dataset_type: t\ndataset_fields:\n");
        let names: Vec<String> = names.into_iter().filter(|n| !dataset_core_key(n)).collect();
        for n in &names {
            text.push_str(&format!("- field_name: {n}\n  label: {{en: {n}, vi: {n}}}\n"));
            if !validators.is_empty() {
                text.push_str(&format!("  validators: {}\n", validators.join(" ")));
            }
        }
        let s = DatasetSchema::parse(&text, "g.yaml").expect("valid");
        let got: Vec<&str> = s.dataset_fields.iter().map(|f| f.field_name.as_str()).collect();
        prop_assert_eq!(got, names.iter().map(String::as_str).collect::<Vec<_>>());
        for f in &s.dataset_fields {
            prop_assert_eq!(f.label.text("vi"), f.field_name.as_str());
            let _ = f.check(Some(&Value::String(value.clone())));
            let _ = f.check(None);
        }
    }
}

#[test]
fn shipped_service_profile() {
    let s = DatasetSchema::parse(DEFAULT_SERVICE_SCHEMA, "profiles/service.yaml")
        .expect("shipped service profile");
    assert_eq!(s, DatasetSchema::shipped_service());
    assert_eq!(s.dataset_type, "service");
    assert!(s.applies_to("service") && !s.applies_to("dataset") && !s.applies_to(""));
    let names: Vec<&str> = s.profile_fields().map(|f| f.field_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "endpoint_url",
            "protocol",
            "structure_document",
            "authentication",
            "service_status",
            "ready_at",
            "published_at",
            "contact_name",
            "contact_email"
        ]
    );
    let values = |name: &str| -> Vec<String> {
        field(&s, name)
            .choices
            .iter()
            .flatten()
            .map(|c| c.value.clone())
            .collect()
    };
    assert_eq!(
        values("protocol"),
        [
            "rest",
            "soap",
            "graphql",
            "file-transfer",
            "message-queue",
            "other"
        ]
    );
    assert_eq!(
        values("authentication"),
        ["none", "api-key", "oauth2", "mtls", "basic", "other"]
    );
    assert_eq!(values("service_status"), ["active", "suspended", "retired"]);
    assert_eq!(
        field(&s, "protocol")
            .choice("file-transfer")
            .map(|c| c.label.text("vi")),
        Some("Truyền tệp (SFTP/FTP)")
    );
    // The endpoint is required and must be a URL; the status defaults to active.
    assert_eq!(
        msgs(field(&s, "endpoint_url").check(None)),
        ["Missing value"]
    );
    assert_eq!(
        msgs(field(&s, "endpoint_url").check(Some(&json!("not a url")))),
        ["Please provide a valid URL"]
    );
    assert_eq!(
        field(&s, "service_status").check(None),
        FieldOutcome::Stored("active".into())
    );
    assert_eq!(
        msgs(field(&s, "service_status").check(Some(&json!("paused")))),
        ["Value must be one of ['active', 'suspended', 'retired']"]
    );
    assert_eq!(
        field(&s, "ready_at").check(Some(&json!("2026-08-28T09:30:00+07:00"))),
        FieldOutcome::Stored("2026-08-28T09:30:00".into())
    );
    assert_eq!(msgs(field(&s, "ready_at").check(None)), ["Missing value"]);
}

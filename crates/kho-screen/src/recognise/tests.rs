use super::*;
use proptest::prelude::*;

const YEAR: i32 = 2026;

fn kinds(value: &str, header: &str) -> Vec<(Kind, String)> {
    scan_value(value, column_hint(header), false, YEAR)
        .into_iter()
        .map(|h| (h.kind, h.value))
        .collect()
}

#[test]
fn citizen_id_checks_province_century_and_year() {
    assert!(is_citizen_id("079090123456", YEAR)); // HCM, male, 1990
    assert!(is_citizen_id("001185004321", YEAR)); // Hà Nội, female, 1985
    assert!(is_citizen_id("096205001234", YEAR)); // Cà Mau, male, 2005
    assert!(is_citizen_id("031326987654", YEAR)); // Hải Phòng, female, 2026
    assert!(!is_citizen_id("031327987654", YEAR)); // born 2027: future
    assert!(!is_citizen_id("003090123456", YEAR)); // 003 is no province
    assert!(!is_citizen_id("097090123456", YEAR)); // 097 is no province
    assert!(!is_citizen_id("079805123456", YEAR)); // 8: 2300s
    assert!(!is_citizen_id("079405123456", YEAR)); // 4: 2100s
    assert!(is_citizen_id("079006123456", YEAR)); // 1906: age 120
    assert!(!is_citizen_id("079005123456", YEAR)); // 1905: age 121
    assert!(!is_citizen_id("079090000000", YEAR)); // filler digits
    assert!(!is_citizen_id("79090123456", YEAR));
    assert!(!is_citizen_id("07909012345a", YEAR));
}

#[test]
fn mobile_prefixes_are_current_carriers_only() {
    for ok in [
        "0321234567",
        "0391234567",
        "0861234567",
        "0961234567",
        "0981234567",
        "0811234567",
        "0851234567",
        "0881234567",
        "0911234567",
        "0941234567",
        "0701234567",
        "0761234567",
        "0791234567",
        "0891234567",
        "0901234567",
        "0931234567",
        "0521234567",
        "0561234567",
        "0581234567",
        "0921234567",
        "0591234567",
        "0991234567",
        "0871234567",
        "0551234567",
    ] {
        assert_eq!(mobile_national(ok).as_deref(), Some(ok), "{ok}");
    }
    for bad in [
        "0241234567",  // Hà Nội landline
        "0281234567",  // HCM landline
        "0311234567",  // 031: not a mobile prefix
        "0951234567",  // retired S-Fone
        "0801234567",  // 080: not a mobile prefix
        "0121234567",  // old 11-digit era prefix
        "0901111111",  // filler
        "091234567",   // too short
        "09123456789", // too long
    ] {
        assert_eq!(mobile_national(bad), None, "{bad}");
    }
    assert_eq!(
        mobile_national("84912345678").as_deref(),
        Some("0912345678")
    );
}

#[test]
fn mobile_numbers_in_their_written_forms() {
    for written in [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "+84 0912 345 678",
        "ĐT: 0912345678",
        "Liên hệ 0912.345.678 (anh Nam)",
    ] {
        assert_eq!(
            kinds(written, "ghi chú"),
            vec![(Kind::Mobile, "0912345678".to_string())],
            "{written}"
        );
    }
    // Look-alikes.
    for not in [
        "0.912345678",     // a fraction
        "A0912345678",     // part of a code
        "0912345678123",   // inside a longer run
        "+1 912 345 6789", // another country
        "024 3825 1234",   // landline
        "20240315",        // a date
        "1.234.567.890",   // an amount
        "0912.345.67.8",   // a one-digit group
        "0912 345-678",    // mixed separators
        "840912345678",    // 12 digits without the + of a country code
    ] {
        assert_eq!(kinds(not, "ghi chú"), vec![], "{not}");
    }
    // Side by side with a year in prose.
    assert_eq!(
        kinds("gọi 0912345678 2024", "ghi chú"),
        vec![(Kind::Mobile, "0912345678".to_string())]
    );
    // Two numbers with a slash, as in "0912345678/0987654321": a value counts once per kind.
    assert_eq!(
        kinds("0912345678/0987654321", "ghi chú"),
        vec![
            (Kind::Mobile, "0912345678".to_string()),
            (Kind::Mobile, "0987654321".to_string())
        ]
    );
    // Tax codes and amounts are not phones, even when phone-shaped.
    assert_eq!(kinds("0912345678", "Mã số thuế"), vec![]);
    assert_eq!(kinds("0912345678", "so_tien"), vec![]);
}

#[test]
fn citizen_ids_whole_or_delimited() {
    assert_eq!(
        kinds("079090123456", "x"),
        vec![(Kind::CitizenId, "079090123456".to_string())]
    );
    assert_eq!(
        kinds("CCCD số 079090123456 cấp ngày 01/02/2021", "x"),
        vec![(Kind::CitizenId, "079090123456".to_string())]
    );
    // Separated groups only count when they are the whole value.
    assert_eq!(
        kinds("079 090 123 456", "x"),
        vec![(Kind::CitizenId, "079090123456".to_string())]
    );
    assert_eq!(kinds("số 079 090 123 456 nhé", "x"), vec![]);
    assert_eq!(kinds("1079090123456", "x"), vec![]);
    assert_eq!(kinds("079090123456789", "x"), vec![]);
    assert_eq!(kinds("+079090123456", "x"), vec![]);
}

#[test]
fn legacy_ids_only_in_identity_columns() {
    assert_eq!(
        kinds("025123456", "Số CMND"),
        vec![(Kind::LegacyId, "025123456".to_string())]
    );
    assert_eq!(
        kinds("025 123 456", "so_cmnd"),
        vec![(Kind::LegacyId, "025123456".to_string())]
    );
    assert_eq!(kinds("025123456", "ma_don_vi"), vec![]);
    assert_eq!(kinds("cấp 025123456", "Số CMND"), vec![]);
    assert_eq!(kinds("111111111", "CMND"), vec![]);
}

#[test]
fn numbers_lose_leading_zeros_and_are_padded_only_with_a_hint() {
    let id = column_hint("Số CCCD");
    let phone = column_hint("Số điện thoại");
    let amount = column_hint("Số tiền (VNĐ)");
    let v = |s: &str, h| {
        scan_value(s, h, true, YEAR)
            .into_iter()
            .map(|h| (h.kind, h.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        v("79090123456", id),
        vec![(Kind::CitizenId, "079090123456".to_string())]
    );
    assert_eq!(
        v("1185004321", id),
        vec![(Kind::CitizenId, "001185004321".to_string())]
    );
    assert_eq!(
        v("12345678", id),
        vec![(Kind::LegacyId, "012345678".to_string())]
    );
    assert_eq!(
        v("912345678", phone),
        vec![(Kind::Mobile, "0912345678".to_string())]
    );
    assert_eq!(v("912345678", amount), vec![]);
    assert_eq!(v("912345678", ColumnHint::default()), vec![]);
    assert_eq!(v("79090123456", ColumnHint::default()), vec![]);
    assert_eq!(v("912345678.5", phone), vec![]);
}

#[test]
fn emails_sane_not_rfc() {
    for ok in [
        "a@b.vn",
        "nguyen.van.a@example.com.vn",
        "x+tag@mail.example.org",
    ] {
        assert!(is_email(ok), "{ok}");
    }
    for bad in [
        "a@b",
        "@b.vn",
        "a.@b.vn",
        "a@b.v",
        "a@-b.vn",
        "a@b.123",
        "a..b@c.vn",
    ] {
        assert!(!is_email(bad), "{bad}");
    }
    assert_eq!(
        kinds("Gửi về: Nguyen.A@Example.com.vn.", "x"),
        vec![(Kind::Email, "nguyen.a@example.com.vn".to_string())]
    );
    // The local part of an address is not also a phone.
    assert_eq!(
        kinds("0912345678@gmail.com", "x"),
        vec![(Kind::Email, "0912345678@gmail.com".to_string())]
    );
    assert_eq!(kinds("@2024 hội nghị", "x"), vec![]);
}

#[test]
fn headers_fold_without_diacritics() {
    assert_eq!(fold("Số CMND/CCCD"), "so cmnd cccd");
    assert_eq!(fold("  Điện_thoại  "), "dien thoai");
    assert!(column_hint("Số CMND").identity);
    assert!(column_hint("so_cmnd").identity);
    assert!(column_hint("SOCMND").identity);
    assert!(column_hint("Chứng minh nhân dân").identity);
    assert!(column_hint("id_card").identity);
    assert!(!column_hint("comment").identity);
    assert!(!column_hint("ma_don_vi").identity);
    assert!(column_hint("SĐT").phone);
    assert!(column_hint("Điện thoại").phone);
    assert!(column_hint("Mã số thuế").not_phone);
    assert!(!column_hint("Điện thoại").not_phone);
}

#[test]
fn masks_hide_most_of_the_value() {
    assert_eq!(mask(Kind::CitizenId, "079090123456"), "0790******56");
    assert_eq!(mask(Kind::Mobile, "0912345678"), "091*****78");
    assert_eq!(mask(Kind::LegacyId, "025123456"), "02*****56");
    assert_eq!(mask(Kind::Email, "nguyen@example.vn"), "n***@example.vn");
}

proptest! {
    #[test]
    fn any_string_never_panics(s in "\\PC*", numeric: bool, id: bool, phone: bool) {
        let hint = ColumnHint { identity: id, phone, not_phone: false };
        let _ = scan_value(&s, hint, numeric, YEAR);
    }

    #[test]
    fn digit_soup_never_panics(s in "[0-9 .+@a-z-]{0,60}") {
        let _ = scan_value(&s, ColumnHint { identity: true, phone: true, not_phone: false }, false, YEAR);
    }

    #[test]
    fn generated_citizen_ids_are_recognised(
        p in 0usize..63, sex in 0u8..2, yy in 0u16..100, rest in 0u32..1_000_000
    ) {
        let code = crate::provinces::PROVINCES[p].0;
        // 20th century: any year; 21st only up to 2026.
        let (c, y) = if yy <= 26 { (2 + sex, yy) } else { (sex, yy) };
        let s = format!("{code:03}{c}{y:02}{rest:06}");
        let filler = s[6..].bytes().all(|b| b == s.as_bytes()[6]);
        prop_assert_eq!(is_citizen_id(&s, YEAR), !filler);
    }

    #[test]
    fn generated_mobiles_in_any_form_are_recognised(
        p in 0usize..36, rest in 0u32..10_000_000, form in 0usize..5
    ) {
        let prefix = MOBILE_PREFIXES[p];
        let national = format!("0{prefix:02}{rest:07}");
        prop_assume!(!all_same(&national[3..]));
        let body = &national[1..];
        let written = match form {
            0 => national.clone(),
            1 => format!("+84{body}"),
            2 => format!("{} {} {}", &national[..4], &national[4..7], &national[7..]),
            3 => format!("{}.{}.{}", &national[..4], &national[4..7], &national[7..]),
            _ => format!("+84 {} {} {}", &body[..3], &body[3..6], &body[6..]),
        };
        let hits = scan_value(&written, ColumnHint::default(), false, YEAR);
        prop_assert_eq!(hits, vec![Hit { kind: Kind::Mobile, value: national }]);
    }
}

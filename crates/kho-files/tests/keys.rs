//! FileKey and ByteRange: bad input is refused, never a panic.

use kho_files::{ByteRange, FileError, FileKey};
use proptest::prelude::*;

#[test]
fn bad_keys_are_refused() {
    let long = "a".repeat(5000);
    for bad in [
        "",
        "../../etc/passwd",
        "resources/../x",
        "resources/./x",
        "a\0b",
        "resources/abc\0/x",
        long.as_str(),
        "Resources/abc",
        "resources/ABC/x",
        "resources//x",
        "/resources/x",
        "resources/x/",
        "resources/x.txt",
        "resources\\x",
        "resources/é",
        "resources/a b",
    ] {
        match FileKey::parse(bad) {
            Err(FileError::InvalidKey(s)) => assert_eq!(s, bad),
            other => panic!("{bad:?} accepted: {other:?}"),
        }
    }
}

#[test]
fn upload_keys_parse_and_are_fresh() {
    let rid = "5D8A1B2C-0000-4000-8000-00000000000F";
    let a = FileKey::new_upload(rid).unwrap();
    let b = FileKey::new_upload(rid).unwrap();
    assert_ne!(a, b);
    let prefix = "resources/5d8/5d8a1b2c-0000-4000-8000-00000000000f/";
    assert!(a.as_str().starts_with(prefix), "{a}");
    assert_eq!(a.as_str().len(), prefix.len() + 36);
    assert_eq!(FileKey::parse(a.as_str()).unwrap(), a);
    assert_eq!(a.to_string(), a.as_str());
    for bad in [
        "",
        "ab",
        "../etc",
        "a/b/c",
        "x".repeat(65).as_str(),
        "abc\0",
    ] {
        assert!(
            matches!(FileKey::new_upload(bad), Err(FileError::InvalidKey(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn ranges_resolve() {
    assert_eq!(ByteRange::From(0).resolve(10).unwrap(), (0, 9));
    assert_eq!(ByteRange::FromTo(3, 100).resolve(10).unwrap(), (3, 9));
    assert_eq!(ByteRange::Last(3).resolve(10).unwrap(), (7, 9));
    assert_eq!(ByteRange::Last(30).resolve(10).unwrap(), (0, 9));
    for (r, size) in [
        (ByteRange::From(10), 10),
        (ByteRange::FromTo(4, 3), 10),
        (ByteRange::Last(0), 10),
        (ByteRange::Last(1), 0),
        (ByteRange::From(0), 0),
    ] {
        assert!(
            matches!(r.resolve(size), Err(FileError::RangeNotSatisfiable { size: s }) if s == size),
            "{r:?} of {size}"
        );
    }
}

fn any_range() -> impl Strategy<Value = ByteRange> {
    prop_oneof![
        any::<u64>().prop_map(ByteRange::From),
        (any::<u64>(), any::<u64>()).prop_map(|(a, b)| ByteRange::FromTo(a, b)),
        any::<u64>().prop_map(ByteRange::Last),
        (0u64..100).prop_map(ByteRange::From),
        (0u64..100, 0u64..100).prop_map(|(a, b)| ByteRange::FromTo(a, b)),
        (0u64..100).prop_map(ByteRange::Last),
    ]
}

proptest! {
    #[test]
    fn parse_never_panics_and_accepts_only_safe_keys(s in "\\PC{0,80}|[a-z0-9/.-]{0,80}") {
        if let Ok(k) = FileKey::parse(&s) {
            prop_assert_eq!(k.as_str(), s.as_str());
            prop_assert!(k.as_str().split('/').all(|seg| !seg.is_empty() && seg != "." && seg != ".."));
            prop_assert!(k.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/'));
        }
    }

    #[test]
    fn new_upload_never_panics(s in "\\PC{0,70}") {
        if let Ok(k) = FileKey::new_upload(&s) {
            prop_assert!(FileKey::parse(k.as_str()).is_ok());
        }
    }

    #[test]
    fn resolved_ranges_lie_in_the_file(r in any_range(), size in prop_oneof![0u64..200, any::<u64>()]) {
        match r.resolve(size) {
            Ok((first, last)) => {
                prop_assert!(first <= last);
                prop_assert!(last < size);
            }
            Err(FileError::RangeNotSatisfiable { size: s }) => prop_assert_eq!(s, size),
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }
}

//! CKAN's field validators, with CKAN's messages.

use crate::error::Msg;

pub const NAME_MIN: usize = 2;
pub const NAME_MAX: usize = 100;

/// CKAN's `name_validator` (datasets, groups, organizations, users).
pub fn name(value: &str) -> Result<(), Msg> {
    if matches!(value, "new" | "edit" | "search") {
        return Err(Msg::new("That name cannot be used"));
    }
    let len = value.chars().count();
    if len < NAME_MIN {
        return Err(Msg::new("Must be at least %{n} characters long").arg("n", NAME_MIN));
    }
    if len > NAME_MAX {
        return Err(Msg::new("Name must be a maximum of %{n} characters long").arg("n", NAME_MAX));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(Msg::new(
            "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
        ));
    }
    Ok(())
}

/// CKAN's `email_validator`: the same shape its regular expression accepts.
pub fn email(value: &str) -> Result<(), Msg> {
    let bad = || Msg::new("Email %{email} is not a valid format").arg("email", value);
    let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// CKAN's `user_password_validator`.
pub fn password(value: &str) -> Result<(), Msg> {
    if value.chars().count() < 8 {
        return Err(Msg::new("Your password must be 8 characters or longer"));
    }
    Ok(())
}

/// CKAN's `user_about_validator`: no links in a user's about text.
pub fn user_about(value: &str) -> Result<(), Msg> {
    if value.contains("http://") || value.contains("https://") {
        return Err(Msg::new(
            "Edit not allowed as it looks like spam. Please avoid links in your description.",
        ));
    }
    Ok(())
}

/// A canonical UUID (CKAN accepts client-supplied ids from sysadmins only in this form).
pub fn uuid(value: &str) -> bool {
    uuid::Uuid::parse_str(value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_as_ckan() {
        assert!(name("so-y-te_2").is_ok());
        assert_eq!(
            name("a").map_err(|m| m.english()),
            Err("Must be at least 2 characters long".into())
        );
        assert!(name(&"a".repeat(100)).is_ok());
        assert_eq!(
            name(&"a".repeat(101)).map_err(|m| m.english()),
            Err("Name must be a maximum of 100 characters long".into())
        );
        assert!(name("Upper").is_err());
        assert!(name("has space").is_err());
        assert!(name("sở").is_err());
        assert_eq!(
            name("new").map_err(|m| m.english()),
            Err("That name cannot be used".into())
        );
    }

    #[test]
    fn emails() {
        assert!(email("a.b+c@so-yte.tayninh.gov.vn").is_ok());
        for bad in [
            "",
            "x",
            "@x.vn",
            "a@",
            "a..b@x.vn",
            ".a@x.vn",
            "a@-x.vn",
            "a b@x.vn",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn valid_names_are_exactly_the_ckan_alphabet(s in "\\PC{0,120}") {
            let ok = name(&s).is_ok();
            let expect = !matches!(s.as_str(), "new" | "edit" | "search")
                && (2..=100).contains(&s.chars().count())
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            prop_assert_eq!(ok, expect);
        }

        #[test]
        fn email_never_panics(s in "\\PC{0,80}") {
            let _ = email(&s);
        }
    }
}

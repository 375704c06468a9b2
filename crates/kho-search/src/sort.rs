//! The sort key for `title_string`: titles sort by their folded form, so "Đà Nẵng" sorts
//! among the D's rather than after Z (landscape.md §6.3 item 6; ckan/ckan#1676).

use kho_core::fold::fold;

/// Folded, trimmed, with runs of whitespace collapsed, so "Hòa  Bình " and "hoà bình"
/// sort together. Ties between titles that fold alike are left to the caller's next sort
/// key (CKAN's default `metadata_modified desc`), not decided here.
pub fn title_sort_key(title: &str) -> String {
    fold(title).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::title_sort_key;

    #[test]
    fn accented_titles_sort_with_their_letter() {
        let mut titles = ["Zeta", "Đà Nẵng", "Ếch", "Dân số", "Anh"];
        titles.sort_by_key(|t| title_sort_key(t));
        assert_eq!(titles, ["Anh", "Đà Nẵng", "Dân số", "Ếch", "Zeta"]);
    }

    #[test]
    fn forms_and_spacing_do_not_matter() {
        assert_eq!(
            title_sort_key("  Hòa   Bình "),
            title_sort_key("hoa\u{300} bi\u{300}nh")
        );
        assert_eq!(title_sort_key("Hòa Bình"), "hoa binh");
    }
}

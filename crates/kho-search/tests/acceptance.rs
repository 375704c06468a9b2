//! landscape.md §6.4, one test per row, against an in-memory index.
//!
//! Not here: the row "`tây ninh` after the merger finds datasets of ex-Long An agencies".
//! That is organization aliases and history from the store (§1.1), which kho-search may
//! not read; the catalogue must put alias names into the indexed documents. It belongs to
//! the index/catalogue tests of issue 4.

mod common;

use common::RamIndex;
use unicode_normalization::UnicodeNormalization;

#[test]
fn da_nang_finds_da_nang() {
    let index = RamIndex::with(&["Đà Nẵng", "Hà Nội"]);
    assert_eq!(index.search("da nang"), ["Đà Nẵng"]);
    assert_eq!(index.search("DA NANG"), ["Đà Nẵng"]);
}

#[test]
fn nfd_query_finds_nfc_text_and_back() {
    let nfc = "Đà Nẵng";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfc, nfd);
    assert_eq!(RamIndex::with(&[nfc, "Hà Nội"]).search(&nfd), [nfc]);
    assert_eq!(RamIndex::with(&[&nfd, "Hà Nội"]).search(nfc), [nfd]);
}

#[test]
fn nfd_query_scores_as_exact() {
    // Not just a folded match: the NFD query's diacritics count, so the text with the
    // same diacritics comes first.
    let index = RamIndex::with(&["Da Nang", "Đà Nẵng"]);
    let nfd: String = "Đà Nẵng".nfd().collect();
    assert_eq!(index.search(&nfd), ["Đà Nẵng", "Da Nang"]);
}

#[test]
fn hoa_binh_tone_placement() {
    let index = RamIndex::with(&["Hòa Bình", "Hoa Binh"]);
    // "hoà" (new style) and "hòa" (old style) are the same exact syllable, so the text with
    // diacritics ranks above the folded-only match.
    assert_eq!(index.search("hoà bình"), ["Hòa Bình", "Hoa Binh"]);
    assert_eq!(index.search("hòa bình"), ["Hòa Bình", "Hoa Binh"]);
    let index = RamIndex::with(&["Thuỷ lợi", "Thủy sản"]);
    assert_eq!(index.search("thủy lợi"), ["Thuỷ lợi"]);
}

#[test]
fn ky_thuat_i_y_variants() {
    let index = RamIndex::with(&["Sở Khoa học và Kỹ thuật", "Thuế"]);
    for q in ["ky thuat", "kĩ thuật", "ki thuat", "kỹ thuật", "KĨ THUẬT"] {
        assert_eq!(index.search(q), ["Sở Khoa học và Kỹ thuật"], "query {q}");
    }
    let index = RamIndex::with(&["Lý lịch", "Mĩ thuật"]);
    assert_eq!(index.search("lí lịch"), ["Lý lịch"]);
    assert_eq!(index.search("mỹ thuật"), ["Mĩ thuật"]);
}

#[test]
fn y_that_is_not_a_variant_stays_apart() {
    // "thủy" (water) is not "thỉ", "máy" (machine) is not "mái" (roof).
    let index = RamIndex::with(&["Thủy", "Thỉ", "Máy", "Mái"]);
    assert_eq!(index.search("thuy"), ["Thủy"]);
    assert_eq!(index.search("may"), ["Máy"]);
}

#[test]
fn dak_lak_finds_dak_lak() {
    let index = RamIndex::with(&["Sở Y tế Đắk Lắk", "Sở Y tế Đắk Nông"]);
    assert_eq!(index.search("dak lak"), ["Sở Y tế Đắk Lắk"]);
}

#[test]
fn nghe_an_adjacent_above_far_apart() {
    let together = "Dân số và lao động tỉnh Nghệ An năm 2024";
    let apart = "Nghe nhạc và an toàn giao thông năm 2024";
    let index = RamIndex::with(&[apart, together]);
    assert_eq!(index.search("nghe an"), [together, apart]);
    assert_eq!(index.search("Nghệ An"), [together, apart]);
}

#[test]
fn exact_diacritics_rank_above_folded_matches() {
    let index = RamIndex::with(&["Má số thuế", "Mã số thuế", "Ma sổ thuế"]);
    assert_eq!(index.search("mã số")[0], "Mã số thuế");
    assert_eq!(index.search("mã số").len(), 3, "folded matches still match");
    assert_eq!(index.search("má số")[0], "Má số thuế");
}

#[test]
fn viet_nam_without_english_stemming() {
    let index = RamIndex::with(&["Việt Nam", "datasets", "Vietnamese names"]);
    assert_eq!(index.search("Việt Nam"), ["Việt Nam"]);
    assert_eq!(index.search("viet nam"), ["Việt Nam"]);
    // A stemmer would make "dataset" find "datasets" and "name" find "names"; none runs.
    assert!(index.search("dataset").is_empty());
    assert!(index.search("name").is_empty());
}

//! The index end to end, below the catalogue: documents from `package_show`-shaped dicts,
//! exact and analysed fields, filters, facets, sorts, labels and paging.

use chrono::NaiveDateTime;
use kho_search::{parse_sort, IndexOp, SearchIndex, SearchRequest};
use serde_json::{json, Map, Value};

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-06-01T00:00:00", "%Y-%m-%dT%H:%M:%S").unwrap()
}

fn dataset(
    id: &str,
    name: &str,
    title: &str,
    org: &str,
    modified: &str,
    extra: Value,
) -> Map<String, Value> {
    let mut d = json!({
        "id": id, "name": name, "title": title, "notes": "Ghi chú về dữ liệu",
        "private": false, "state": "active", "type": "dataset", "license_id": "cc-by",
        "metadata_created": "2026-01-01T00:00:00", "metadata_modified": modified,
        "num_resources": 1, "num_tags": 2,
        "organization": {"name": org, "title": format!("Sở {org}")},
        "owner_org": format!("{org}-id"),
        "tags": [{"name": "giáo dục"}, {"name": "Tay Ninh"}],
        "groups": [{"name": "kinh-te", "title": "Kinh tế"}],
        "resources": [{"format": "CSV", "url": "http://x/a.csv", "name": "Bảng số liệu"}, {"format": "CSV", "name": "b"}],
        "extras": [{"key": "tinh", "value": "Tây Ninh"}, {"key": "ngay", "value": "2026-01-01T00:00:00Z"}],
    });
    if let (Some(o), Value::Object(e)) = (d.as_object_mut(), extra) {
        o.extend(e);
    }
    d.as_object().unwrap().clone()
}

fn index() -> SearchIndex {
    let idx = SearchIndex::in_memory().unwrap();
    let ops = vec![
        IndexOp::Upsert {
            dict: dataset(
                "b",
                "truong-hoc",
                "Danh sách trường học tỉnh Tây Ninh",
                "so-gd",
                "2026-03-01T10:00:00",
                json!({}),
            ),
            labels: vec!["public".into()],
            aliases: vec![],
        },
        IndexOp::Upsert {
            dict: dataset(
                "a",
                "benh-vien",
                "Bệnh viện Đà Nẵng",
                "so-yt",
                "2026-01-15T10:00:00.5",
                json!({"theme": "y-te"}),
            ),
            labels: vec!["public".into()],
            aliases: vec![],
        },
        IndexOp::Upsert {
            dict: dataset(
                "c",
                "rieng",
                "Dữ liệu riêng Nghệ An",
                "so-yt",
                "2026-05-01T00:00:00",
                json!({"private": true}),
            ),
            labels: vec!["member-so-yt-id".into()],
            aliases: vec![],
        },
    ];
    idx.apply(ops, Some(7)).unwrap();
    idx
}

fn req(q: &str, fq: &[&str]) -> SearchRequest {
    SearchRequest {
        q: q.into(),
        fq: fq.iter().map(|s| s.to_string()).collect(),
        labels: None,
        sort: parse_sort("", "score desc, metadata_modified desc").unwrap(),
        rows: 10,
        start: 0,
        facet_fields: vec![],
        facet_limit: Some(50),
        facet_mincount: 1,
        now: now(),
        include_private: false,
    }
}

fn ids(idx: &SearchIndex, r: &SearchRequest) -> Vec<String> {
    idx.search(r)
        .unwrap()
        .results
        .iter()
        .map(|s| {
            serde_json::from_str::<Value>(s).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn fields_filters_sorts_and_labels() {
    let idx = index();
    assert_eq!(idx.last_seq(), 7);
    assert_eq!(ids(&idx, &req("", &[])), ["c", "b", "a"]);
    assert_eq!(ids(&idx, &req("da nang", &[])), ["a"]);
    assert_eq!(ids(&idx, &req("", &["organization:so-yt"])), ["c", "a"]);
    assert_eq!(ids(&idx, &req("", &["tags:\"giáo dục\""])).len(), 3);
    assert_eq!(ids(&idx, &req("", &["res_format:CSV"])).len(), 3);
    assert_eq!(
        ids(&idx, &req("", &["res_format:csv"])).len(),
        0,
        "exact strings are case-sensitive"
    );
    assert_eq!(ids(&idx, &req("", &["capacity:public"])), ["b", "a"]);
    assert_eq!(ids(&idx, &req("", &["theme:y-te"])), ["a"]);
    assert_eq!(ids(&idx, &req("", &["extras_tinh:tay"])).len(), 3);
    assert_eq!(
        ids(&idx, &req("", &["tinh:\"Tây Ninh\""])).len(),
        3,
        "plain extra key"
    );
    assert_eq!(
        ids(
            &idx,
            &req("", &["metadata_modified:[2026-02-01T00:00:00Z TO *]"])
        ),
        ["c", "b"]
    );
    assert_eq!(ids(&idx, &req("", &["num_resources:1"])).len(), 3);
    assert_eq!(ids(&idx, &req("", &["title_string:*"])).len(), 3);
    assert_eq!(ids(&idx, &req("title:nghe", &[])), ["c"]);
    assert_eq!(
        ids(&idx, &req("", &["organization:[so-gd TO so-gd]"])),
        ["b"]
    );
    assert_eq!(ids(&idx, &req("", &["-organization:so-gd"])), ["c", "a"]);

    let mut r = req("", &[]);
    r.sort = parse_sort("id asc", "").unwrap();
    assert_eq!(ids(&idx, &r), ["a", "b", "c"]);
    r.sort = parse_sort("title_string asc", "").unwrap();
    assert_eq!(ids(&idx, &r), ["a", "b", "c"], "Bệnh < Danh < Dữ, folded");
    r.sort = parse_sort("title_string desc", "").unwrap();
    assert_eq!(ids(&idx, &r), ["c", "b", "a"]);
    r.start = 1;
    r.rows = 1;
    assert_eq!(ids(&idx, &r), ["b"]);
    r.start = 1_000_000_000;
    assert!(ids(&idx, &r).is_empty());
    assert_eq!(idx.search(&r).unwrap().count, 3);

    let mut r = req("", &[]);
    r.labels = Some(vec!["public".into()]);
    assert_eq!(ids(&idx, &r), ["b", "a"]);
    r.facet_fields = vec![
        "organization".into(),
        "tags".into(),
        "res_format".into(),
        "nothing".into(),
    ];
    let res = idx.search(&r).unwrap();
    assert_eq!(res.count, 2);
    assert_eq!(
        res.facets,
        vec![
            (
                "organization".to_string(),
                vec![("so-gd".to_string(), 1), ("so-yt".to_string(), 1)]
            ),
            (
                "tags".to_string(),
                vec![("Tay Ninh".to_string(), 2), ("giáo dục".to_string(), 2)]
            ),
            ("res_format".to_string(), vec![("CSV".to_string(), 2)]),
            ("nothing".to_string(), vec![]),
        ]
    );

    // Replace and delete.
    idx.apply(vec![IndexOp::Delete { id: "a".into() }], Some(9))
        .unwrap();
    assert_eq!(idx.last_seq(), 9);
    assert_eq!(ids(&idx, &req("", &[])), ["c", "b"]);
}

#[test]
fn date_ranges_with_fractions_and_now() {
    let idx = SearchIndex::in_memory().unwrap();
    let ops = [
        "2026-03-01T10:00:00.100000",
        "2026-03-01T10:00:00.900000",
        "2026-03-01T09:00:00",
    ]
    .iter()
    .enumerate()
    .map(|(i, m)| IndexOp::Upsert {
        dict: dataset(&format!("d{i}"), &format!("n{i}"), "T", "o", m, json!({})),
        labels: vec![],
        aliases: vec![],
    })
    .collect();
    idx.apply(ops, Some(1)).unwrap();
    let n = |fq: &str| idx.search(&req("", &[fq])).unwrap().count;
    assert_eq!(n("metadata_modified:[2026-03-01T10:00:00.500Z TO *]"), 1);
    assert_eq!(n("metadata_modified:[2026-03-01T10:00:00Z TO *]"), 2);
    assert_eq!(n("metadata_modified:[2000-01-01T00:00:00Z TO NOW]"), 3);
    assert_eq!(n("metadata_modified:[* TO 2026-03-01T10:00:00.500Z]"), 2);
    assert_eq!(n("metadata_modified:{2026-03-01T10:00:00.100Z TO *]"), 1);
}

/// landscape.md §6.4, the merger row: a dataset whose organization is known by another
/// name (Long An's agencies after the merger into Tây Ninh) is found by that name.
#[test]
fn aliases_are_free_text() {
    let idx = SearchIndex::in_memory().unwrap();
    let dict = dataset(
        "x",
        "di-tich",
        "Di tích lịch sử Long An",
        "so-vh-long-an",
        "2026-01-01T00:00:00",
        json!({"tags": [], "extras": []}),
    );
    let plain = dataset(
        "y",
        "khac",
        "Dữ liệu khác",
        "so-khac",
        "2026-01-01T00:00:00",
        json!({"tags": [], "extras": []}),
    );
    idx.apply(
        vec![
            IndexOp::Upsert {
                dict,
                labels: vec!["public".into()],
                aliases: vec!["Sở Văn hóa tỉnh Tây Ninh".into()],
            },
            IndexOp::Upsert {
                dict: plain,
                labels: vec!["public".into()],
                aliases: vec![],
            },
        ],
        Some(1),
    )
    .unwrap();
    assert_eq!(ids(&idx, &req("tây ninh", &[])), ["x"]);
    assert_eq!(ids(&idx, &req("tay ninh", &[])), ["x"]);
}

/// Facet counts are the same whichever way a column is counted: by intersecting document
/// sets (at most 64 values in a segment) or by reading the column per document (more),
/// each document once per value, deleted documents never.
#[test]
fn facets_count_each_document_once_either_way() {
    let idx = SearchIndex::in_memory().unwrap();
    let mut ops = Vec::new();
    for i in 0..150 {
        let mut d = dataset(
            &format!("id-{i:03}"),
            &format!("ds-{i:03}"),
            "Dữ liệu",
            if i % 3 == 0 { "so-a" } else { "so-b" },
            "2026-03-01T10:00:00",
            json!({}),
        );
        // 150 distinct tags (the column path), one shared by all, one repeated twice in
        // every third dataset; CSV twice in every dataset (two resources).
        let mut tags = vec![
            json!({"name": format!("tag-{i}")}),
            json!({"name": "chung"}),
        ];
        if i % 3 == 0 {
            tags.push(json!({"name": "doi"}));
            tags.push(json!({"name": "doi"}));
        }
        d.insert("tags".into(), Value::Array(tags));
        ops.push(IndexOp::Upsert {
            dict: d,
            labels: vec!["public".into()],
            aliases: vec![],
        });
    }
    ops.push(IndexOp::Delete {
        id: "id-000".into(),
    });
    idx.apply(ops, Some(1)).unwrap();
    let mut r = req("", &[]);
    r.facet_fields = vec!["tags".into(), "organization".into(), "res_format".into()];
    r.facet_limit = None;
    let found = idx.search(&r).unwrap();
    assert_eq!(found.count, 149);
    let facet = |name: &str| -> std::collections::HashMap<String, u64> {
        found
            .facets
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, items)| items.iter().cloned().collect())
            .unwrap()
    };
    let tags = facet("tags");
    assert_eq!(tags.len(), 149 + 2);
    assert_eq!(tags["chung"], 149);
    assert_eq!(tags["doi"], 49);
    assert_eq!(tags.get("tag-0"), None, "deleted");
    assert_eq!(tags["tag-1"], 1);
    let orgs = facet("organization");
    assert_eq!((orgs["so-a"], orgs["so-b"]), (49, 100));
    assert_eq!(facet("res_format")["CSV"], 149);
    // A filter narrows both kinds of count.
    let mut r = req("", &["organization:so-a"]);
    r.facet_fields = vec!["tags".into(), "organization".into()];
    let found = idx.search(&r).unwrap();
    assert_eq!(found.count, 49);
    assert_eq!(
        found.facets[0]
            .1
            .iter()
            .find(|(v, _)| v == "chung")
            .unwrap()
            .1,
        49
    );
    assert_eq!(found.facets[1].1, vec![("so-a".to_owned(), 49)]);
}

/// A cached answer never outlives a commit, is kept per caller's labels, and queries with
/// `NOW` are answered afresh.
#[test]
fn cached_answers_follow_commits_and_callers() {
    let idx = index();
    let mut anonymous = req("", &[]);
    anonymous.labels = Some(vec!["public".into()]);
    let mut member = req("", &[]);
    member.labels = Some(vec!["public".into(), "member-so-yt-id".into()]);
    for _ in 0..2 {
        assert_eq!(idx.search(&anonymous).unwrap().count, 2);
        assert_eq!(idx.search(&member).unwrap().count, 3);
    }
    idx.apply(
        vec![IndexOp::Upsert {
            dict: dataset(
                "d",
                "moi",
                "Dữ liệu mới",
                "so-gd",
                "2026-05-30T00:00:00",
                json!({}),
            ),
            labels: vec!["public".into()],
            aliases: vec![],
        }],
        Some(8),
    )
    .unwrap();
    assert_eq!(idx.search(&anonymous).unwrap().count, 3);
    assert_eq!(idx.search(&member).unwrap().count, 4);
    idx.apply(vec![IndexOp::Delete { id: "d".into() }], Some(9))
        .unwrap();
    assert_eq!(idx.search(&anonymous).unwrap().count, 2);
    // Different page, different answer; the stored dicts are those of the page.
    let mut second = anonymous.clone();
    second.start = 1;
    second.rows = 1;
    let a = idx.search(&second).unwrap();
    second.start = 0;
    let b = idx.search(&second).unwrap();
    assert_ne!(a.results, b.results);
    // `NOW` moves: the same request with a later NOW sees what the earlier did not.
    let mut recent = req("metadata_modified:[NOW-1DAY TO *]", &[]);
    recent.labels = Some(vec!["public".into()]);
    assert_eq!(idx.search(&recent).unwrap().count, 0);
    recent.now = NaiveDateTime::parse_from_str("2026-03-02T00:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
    assert_eq!(idx.search(&recent).unwrap().count, 1);
    // And without any cache the answers are the same.
    idx.set_cache_entries(0);
    assert_eq!(idx.search(&anonymous).unwrap().count, 2);
    assert_eq!(idx.search(&member).unwrap().count, 3);
}

/// Text fields are matched through their analysis only; `[* TO *]` on one finds the
/// documents that have a value in it.
#[test]
fn text_fields_exist_and_match_by_analysis() {
    let idx = index();
    let count = |q: &str| idx.search(&req(q, &[])).unwrap().count;
    assert_eq!(count("notes:[* TO *]"), 3);
    assert_eq!(count("title:[* TO *]"), 3);
    assert_eq!(count("author:[* TO *]"), 0);
    assert_eq!(count("res_name:[* TO *]"), 3);
    assert_eq!(count("text:[* TO *]"), 3);
    assert_eq!(count("-author:[* TO *]"), 3);
    assert_eq!(count("title:\"Bệnh viện Đà Nẵng\""), 1);
    assert_eq!(count("notes:\"ghi chu\""), 3);
}

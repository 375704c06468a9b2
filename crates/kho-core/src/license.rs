//! CKAN's license register (`ckan/model/license.py`).
//!
//! The built-in register holds CKAN's 15 default licenses. `license_list` renders them as
//! CKAN 2.12 does: `DefaultLicense.copy()` converts every value with `str()`, so booleans
//! are the strings `"False"`/`"True"`, keys in the order `domain_content, id, domain_data,
//! domain_software, family, is_generic, od_conformance, osd_conformance, maintainer,
//! status, url, title`. A register read from an operator's file (`licenses_group_url`)
//! keeps each object as given, plus `od_conformance`/`osd_conformance` = `false` when
//! missing and `date_created` re-rendered by Python's `isoformat`.

use serde_json::{Map, Value};

/// One license: its `license_list` dict.
#[derive(Debug, Clone, PartialEq)]
pub struct License {
    data: Map<String, Value>,
}

fn as_str(v: Option<&Value>) -> Option<&str> {
    match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

impl License {
    pub fn id(&self) -> Option<&str> {
        as_str(self.data.get("id"))
    }

    pub fn title(&self) -> Option<&str> {
        as_str(self.data.get("title"))
    }

    /// The license URL when it is a non-empty string.
    pub fn url(&self) -> Option<&str> {
        as_str(self.data.get("url")).filter(|u| !u.is_empty())
    }

    /// `od_conformance` or `osd_conformance` is `"approved"`.
    pub fn isopen(&self) -> bool {
        ["od_conformance", "osd_conformance"]
            .iter()
            .any(|k| as_str(self.data.get(*k)) == Some("approved"))
    }

    /// The `license_list` item.
    pub fn license_dict(&self) -> Map<String, Value> {
        self.data.clone()
    }
}

/// `license_dict` of one license (the `license_list` item).
pub fn license_dict(l: &License) -> Map<String, Value> {
    l.license_dict()
}

struct Builtin {
    id: &'static str,
    title: &'static str,
    url: &'static str,
    domain_content: bool,
    domain_data: bool,
    is_generic: bool,
    od_conformance: &'static str,
}

const fn b(
    id: &'static str,
    title: &'static str,
    url: &'static str,
    (domain_content, domain_data, is_generic): (bool, bool, bool),
    od_conformance: &'static str,
) -> Builtin {
    Builtin {
        id,
        title,
        url,
        domain_content,
        domain_data,
        is_generic,
        od_conformance,
    }
}

const OK: &str = "approved";
const NR: &str = "not reviewed";
const ODC: &str = "http://www.opendefinition.org/licenses/";

/// CKAN's default licenses, in register order.
const BUILTIN: [Builtin; 15] = [
    b(
        "notspecified",
        "License not specified",
        "",
        (false, false, true),
        NR,
    ),
    b(
        "odc-pddl",
        "Open Data Commons Public Domain Dedication and License (PDDL)",
        "odc-pddl",
        (false, true, false),
        OK,
    ),
    b(
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "odc-odbl",
        (false, true, false),
        OK,
    ),
    b(
        "odc-by",
        "Open Data Commons Attribution License",
        "odc-by",
        (false, true, false),
        OK,
    ),
    b(
        "cc-zero",
        "Creative Commons CCZero",
        "cc-zero",
        (true, true, false),
        OK,
    ),
    b(
        "cc-by",
        "Creative Commons Attribution",
        "cc-by",
        (false, false, false),
        OK,
    ),
    b(
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike",
        "cc-by-sa",
        (true, false, false),
        OK,
    ),
    b(
        "gfdl",
        "GNU Free Documentation License",
        "gfdl",
        (true, false, false),
        OK,
    ),
    b("other-open", "Other (Open)", "", (true, false, true), OK),
    b(
        "other-pd",
        "Other (Public Domain)",
        "",
        (true, false, true),
        OK,
    ),
    b(
        "other-at",
        "Other (Attribution)",
        "",
        (true, false, true),
        OK,
    ),
    b(
        "uk-ogl",
        "UK Open Government Licence (OGL)",
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        (true, false, false),
        OK,
    ),
    b(
        "cc-nc",
        "Creative Commons Non-Commercial (Any)",
        "http://creativecommons.org/licenses/by-nc/2.0/",
        (false, false, false),
        NR,
    ),
    b(
        "other-nc",
        "Other (Non-Commercial)",
        "",
        (false, false, true),
        NR,
    ),
    b(
        "other-closed",
        "Other (Not Open)",
        "",
        (false, false, true),
        NR,
    ),
];

fn py_bool(b: bool) -> Value {
    Value::String(if b { "True" } else { "False" }.into())
}

impl Builtin {
    fn license(&self) -> License {
        let url = if self.url.is_empty() || self.url.contains(':') {
            self.url.to_string()
        } else {
            format!("{ODC}{}", self.url)
        };
        let mut m = Map::new();
        m.insert("domain_content".into(), py_bool(self.domain_content));
        m.insert("id".into(), self.id.into());
        m.insert("domain_data".into(), py_bool(self.domain_data));
        m.insert("domain_software".into(), py_bool(false));
        m.insert("family".into(), "".into());
        m.insert("is_generic".into(), py_bool(self.is_generic));
        m.insert("od_conformance".into(), self.od_conformance.into());
        m.insert("osd_conformance".into(), NR.into());
        m.insert("maintainer".into(), "".into());
        m.insert("status".into(), "active".into());
        m.insert("url".into(), url.into());
        m.insert("title".into(), self.title.into());
        License { data: m }
    }
}

/// The licenses a site offers, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenseRegister {
    licenses: Vec<License>,
}

impl Default for LicenseRegister {
    fn default() -> Self {
        Self::ckan_default()
    }
}

/// Python's `datetime(*[int(x) for x in re.split(r'[^\d]', s)]).isoformat()`.
fn python_date_created(s: &str) -> Option<String> {
    let parts: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    let get = |i: usize| parts.get(i).copied().unwrap_or(0);
    if parts.len() < 3 || parts.len() > 7 {
        return None;
    }
    let d = chrono::NaiveDate::from_ymd_opt(i32::try_from(get(0)).ok()?, get(1), get(2))?;
    let dt = d.and_hms_micro_opt(get(3), get(4), get(5), get(6))?;
    Some(crate::time::isoformat(&dt))
}

impl LicenseRegister {
    /// CKAN's 15 built-in licenses.
    pub fn ckan_default() -> Self {
        LicenseRegister {
            licenses: BUILTIN.iter().map(Builtin::license).collect(),
        }
    }

    /// A register from the content of a licenses file: a JSON list of objects, or an
    /// object whose values are the license objects.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| format!("invalid licenses JSON: {e}"))?;
        let items: Vec<Value> = match v {
            Value::Array(a) => a,
            Value::Object(o) => o.into_iter().map(|(_, v)| v).collect(),
            _ => return Err("licenses must be a dictionary or a list".into()),
        };
        let mut licenses = Vec::with_capacity(items.len());
        for it in items {
            let Value::Object(mut data) = it else {
                return Err("each license must be an object".into());
            };
            if let Some(Value::String(s)) = data.get("date_created") {
                let iso = python_date_created(s)
                    .ok_or_else(|| format!("invalid license date_created: {s}"))?;
                data.insert("date_created".into(), iso.into());
            }
            for k in ["od_conformance", "osd_conformance"] {
                if !data.contains_key(k) {
                    data.insert(k.into(), Value::Bool(false));
                }
            }
            licenses.push(License { data });
        }
        Ok(LicenseRegister { licenses })
    }

    pub fn licenses(&self) -> &[License] {
        &self.licenses
    }

    /// The first license with this id.
    pub fn get(&self, id: &str) -> Option<&License> {
        self.licenses.iter().find(|l| l.id() == Some(id))
    }

    /// `license_list`'s result.
    pub fn license_list(&self) -> Vec<Value> {
        self.licenses
            .iter()
            .map(|l| Value::Object(l.license_dict()))
            .collect()
    }

    /// `package_dictize`'s `license_title`: for a license with a URL the title's last
    /// `::` segment, for one without the whole title, for an unknown id the id itself.
    pub fn license_title(&self, license_id: Option<&str>) -> Value {
        match license_id.and_then(|id| self.get(id)) {
            Some(l) => {
                let t = l.title().or(license_id).unwrap_or_default();
                if l.url().is_some() {
                    t.rsplit("::").next().unwrap_or(t).into()
                } else {
                    t.into()
                }
            }
            None => license_id.map_or(Value::Null, Value::from),
        }
    }

    /// `license_url`: only for a known license with a non-empty URL.
    pub fn license_url(&self, license_id: Option<&str>) -> Option<String> {
        license_id
            .and_then(|id| self.get(id))
            .and_then(License::url)
            .map(str::to_string)
    }

    /// `isopen`: the license is known and OD- or OSD-approved.
    pub fn isopen(&self, license_id: Option<&str>) -> bool {
        license_id
            .and_then(|id| self.get(id))
            .is_some_and(License::isopen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_ids_in_order() {
        let r = LicenseRegister::ckan_default();
        let ids: Vec<_> = r.licenses().iter().filter_map(License::id).collect();
        assert_eq!(
            ids,
            [
                "notspecified",
                "odc-pddl",
                "odc-odbl",
                "odc-by",
                "cc-zero",
                "cc-by",
                "cc-by-sa",
                "gfdl",
                "other-open",
                "other-pd",
                "other-at",
                "uk-ogl",
                "cc-nc",
                "other-nc",
                "other-closed"
            ]
        );
    }

    #[test]
    fn license_list_item_is_ckans_shape() {
        let r = LicenseRegister::ckan_default();
        let cc_by = Value::Object(r.get("cc-by").expect("cc-by").license_dict());
        // Key order and values exactly as CKAN 2.12 renders it.
        assert_eq!(
            serde_json::to_string(&cc_by).expect("json"),
            r#"{"domain_content":"False","id":"cc-by","domain_data":"False","domain_software":"False","family":"","is_generic":"False","od_conformance":"approved","osd_conformance":"not reviewed","maintainer":"","status":"active","url":"http://www.opendefinition.org/licenses/cc-by","title":"Creative Commons Attribution"}"#
        );
        let ns = r.get("notspecified").expect("ns").license_dict();
        assert_eq!(ns["is_generic"], "True");
        assert_eq!(ns["url"], "");
        let zero = r.get("cc-zero").expect("cc0").license_dict();
        assert_eq!(zero["domain_content"], "True");
        assert_eq!(zero["domain_data"], "True");
        assert_eq!(
            r.get("uk-ogl").expect("ogl").url(),
            Some("https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
        );
        assert_eq!(r.license_list().len(), 15);
        for item in r.license_list() {
            let m = item.as_object().expect("object");
            assert_eq!(m.len(), 12);
            assert!(m.values().all(Value::is_string));
        }
    }

    #[test]
    fn lookups() {
        let r = LicenseRegister::ckan_default();
        assert!(r.isopen(Some("cc-by")));
        assert!(r.isopen(Some("other-open")));
        assert!(!r.isopen(Some("cc-nc")));
        assert!(!r.isopen(Some("other-closed")));
        assert!(!r.isopen(Some("nope")));
        assert!(!r.isopen(None));
        assert_eq!(
            r.license_title(Some("cc-by")),
            "Creative Commons Attribution"
        );
        assert_eq!(r.license_title(Some("other-open")), "Other (Open)");
        assert_eq!(r.license_title(Some("giay-phep-rieng")), "giay-phep-rieng");
        assert_eq!(r.license_title(None), Value::Null);
        assert_eq!(
            r.license_url(Some("cc-by")).as_deref(),
            Some("http://www.opendefinition.org/licenses/cc-by")
        );
        assert_eq!(r.license_url(Some("other-open")), None);
        assert_eq!(r.license_url(Some("nope")), None);
    }

    #[test]
    fn operator_file_values_kept_as_given() {
        let text = json!([
            {"id": "ogl-vn", "title": "Viet Nam::Giấy phép mở", "url": "https://x.vn/l",
             "od_conformance": "approved", "is_generic": false,
             "date_created": "2024-03-05"},
            {"id": "closed", "title": "A::Đóng", "osd_conformance": "rejected"}
        ])
        .to_string();
        let r = LicenseRegister::from_json(&text).expect("valid");
        let list = r.license_list();
        assert_eq!(list[0]["is_generic"], json!(false));
        assert_eq!(list[0]["date_created"], "2024-03-05T00:00:00");
        assert_eq!(list[0]["osd_conformance"], json!(false));
        assert_eq!(list[1]["od_conformance"], json!(false));
        assert_eq!(list[1]["osd_conformance"], "rejected");
        assert!(r.isopen(Some("ogl-vn")));
        assert!(!r.isopen(Some("closed")));
        // `::` prefixes are removed only for licenses with a URL (package_dictize).
        assert_eq!(r.license_title(Some("ogl-vn")), "Giấy phép mở");
        assert_eq!(r.license_title(Some("closed")), "A::Đóng");
        // An object of objects is accepted as well.
        let r2 = LicenseRegister::from_json(r#"{"a": {"id": "a", "title": "A"}}"#).expect("ok");
        assert_eq!(r2.license_title(Some("a")), "A");
        assert!(LicenseRegister::from_json("3").is_err());
        assert!(LicenseRegister::from_json("[1]").is_err());
        assert!(LicenseRegister::from_json("nope").is_err());
    }
}

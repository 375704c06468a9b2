//! The catalogue's settings (a part of the binary's configuration).

use std::sync::{Arc, OnceLock};

use kho_core::profile::{DatasetSchema, OrganizationSchema};
use serde::{Deserialize, Serialize};

/// The metadata profiles in force: ckanext-scheming schemas for datasets and
/// organizations. `None` turns a profile off (CKAN's plain schema).
#[derive(Debug, Clone)]
pub struct Profiles {
    pub dataset: Option<Arc<DatasetSchema>>,
    pub organization: Option<Arc<OrganizationSchema>>,
    /// The data-sharing service profile (datasets of type `service`), beside `dataset`
    /// as scheming serves several dataset types.
    pub service: Option<Arc<DatasetSchema>>,
}

impl Profiles {
    /// No profile: CKAN's plain dataset and organization schemas.
    pub fn off() -> Self {
        Profiles {
            dataset: None,
            organization: None,
            service: None,
        }
    }

    /// The dataset profiles in force, the main one first.
    pub fn dataset_schemas(&self) -> impl Iterator<Item = &DatasetSchema> {
        self.dataset.iter().chain(self.service.iter()).map(|s| &**s)
    }

    /// The dataset profile of datasets of `dataset_type` (`""` is `dataset`).
    pub fn dataset_for(&self, dataset_type: &str) -> Option<&DatasetSchema> {
        self.dataset_schemas().find(|s| s.applies_to(dataset_type))
    }

    /// The shipped profiles (`profiles/dataset.yaml`, `profiles/organization.yaml`,
    /// `profiles/service.yaml`).
    pub fn shipped() -> Self {
        // Parsed once per process: every default configuration shares them.
        static SHIPPED: OnceLock<Profiles> = OnceLock::new();
        SHIPPED
            .get_or_init(|| Profiles {
                dataset: Some(Arc::new(DatasetSchema::shipped())),
                organization: Some(Arc::new(OrganizationSchema::shipped())),
                service: Some(Arc::new(DatasetSchema::shipped_service())),
            })
            .clone()
    }
}

impl Default for Profiles {
    fn default() -> Self {
        Profiles::shipped()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogConfig {
    /// Absolute base URL, no trailing slash (`ckan.site_url`).
    pub site_url: String,
    pub site_title: String,
    pub site_description: String,
    pub error_emails_to: String,
    /// `en` or `vi` (`ckan.locale_default`).
    pub locale_default: String,
    /// Anyone may create an account through `user_create` (`ckan.auth.create_user_via_api`).
    pub create_user_via_api: bool,
    /// Any logged-in user may create organizations (`ckan.auth.user_create_organizations`).
    pub user_create_organizations: bool,
    /// Any logged-in user may create groups (`ckan.auth.user_create_groups`).
    pub user_create_groups: bool,
    /// Organization and group admins may delete them (`ckan.auth.user_delete_*`).
    pub user_delete_organizations: bool,
    pub user_delete_groups: bool,
    /// User lists and details are public (`ckan.auth.public_user_details`).
    pub public_user_details: bool,
    /// `organization_list`/`group_list` cap (`ckan.group_and_organization_list_max`).
    pub group_list_max: i64,
    /// The same cap with `all_fields` (`ckan.group_and_organization_list_all_fields_max`).
    pub group_list_all_fields_max: i64,
    /// Sort of `organization_list`/`group_list` (`ckan.default_group_sort`).
    pub default_group_sort: String,
    /// `package_search` never returns more rows than this (`ckan.search.rows_max`).
    pub search_rows_max: i64,
    /// Default `facet.limit` (`search.facets.limit`).
    pub search_facets_limit: i64,
    /// Search answers kept until the next write (Solr's `queryResultCache`); 0: none.
    pub search_cache_entries: usize,
    /// Searches computed at once (the others wait their turn); 0: one per CPU core.
    pub search_concurrency: usize,
    /// Default `sort` of `package_search` (`ckan.search.default_package_sort`).
    pub default_package_sort: String,
    /// Dataset collaborators (`ckan.auth.allow_dataset_collaborators`).
    pub allow_dataset_collaborators: bool,
    /// Collaborators may be `admin` and then manage the other collaborators
    /// (`ckan.auth.allow_admin_collaborators`).
    pub allow_admin_collaborators: bool,
    /// Editor collaborators may move the dataset to another organization where they may
    /// create datasets (`ckan.auth.allow_collaborators_to_change_owner_org`).
    pub allow_collaborators_to_change_owner_org: bool,
    /// The dataset and organization profiles (the binary reads `dataset_schema` and
    /// `organization_schema`); the shipped ones by default.
    /// The base of DCAT URIs (`ckanext.dcat.base_uri`); empty: `site_url`.
    pub dcat_base_uri: String,
    /// Datasets per catalogue page (`ckanext.dcat.datasets_per_page`).
    pub dcat_datasets_per_page: u64,
    /// The catalogue's publisher in DCAT (DCAT-AP requires one); empty: `site_title`.
    pub dcat_publisher_name: String,
    /// The publisher's URI; empty: a blank node.
    pub dcat_publisher_uri: String,
    /// Anonymous error reports (`issue_create`) accepted per hour from one e-mail address,
    /// and again from one client address; 0: anonymous reports are refused.
    pub issue_reports_per_hour: u32,
    /// Screen uploaded files for personal data; a finding keeps the dataset from being
    /// open until an organization admin records an override.
    pub personal_data_screening: bool,
    /// A data-sharing service must be published within this many working days of its
    /// `ready_at` (requirement 10: one working day); `service_report` flags the others.
    pub service_publication_working_days: u32,
    /// Public holidays (`2026-09-02`), not working days beside Saturdays and Sundays.
    /// Empty by default: Tết and the swapped days change every year.
    pub public_holidays: Vec<chrono::NaiveDate>,
    /// The background link checker (`[linkcheck]`), whose results feed the quality score.
    pub linkcheck: crate::linkcheck::LinkCheckConfig,
    /// Days after a period ends that an update is still on time, by `update_frequency`
    /// (regulation: monthly 15, quarterly 30, annual 90). A periodic frequency left out
    /// takes its default; changing these needs a search index rebuild.
    pub update_grace_days: std::collections::BTreeMap<String, u32>,
    /// A deadline this close (days), once its period has ended, is `due_soon`.
    pub update_due_soon_days: u32,
    /// Days the sharing log keeps an entry (regulations, requirement 11); 0: forever.
    pub sharing_log_retention_days: u32,
    /// Record reads of non-open data in the sharing log. Only a benchmark turns it off.
    pub sharing_log_enabled: bool,
    #[serde(skip)]
    pub profiles: Profiles,
    /// The licenses `license_list` offers and datasets resolve (`licenses_group_url`);
    /// CKAN's default list unless the binary read a licenses file.
    #[serde(skip)]
    pub licenses: kho_core::license::LicenseRegister,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        CatalogConfig {
            site_url: "http://127.0.0.1:5000".into(),
            site_title: "kho".into(),
            site_description: String::new(),
            error_emails_to: String::new(),
            locale_default: "en".into(),
            create_user_via_api: false,
            user_create_organizations: true,
            user_create_groups: true,
            user_delete_organizations: true,
            user_delete_groups: true,
            public_user_details: true,
            group_list_max: 1000,
            group_list_all_fields_max: 25,
            default_group_sort: "title".into(),
            search_rows_max: 1000,
            search_facets_limit: 50,
            search_cache_entries: kho_search::DEFAULT_RESULT_ENTRIES,
            search_concurrency: 0,
            default_package_sort: "score desc, metadata_modified desc".into(),
            allow_dataset_collaborators: false,
            allow_admin_collaborators: false,
            allow_collaborators_to_change_owner_org: false,
            dcat_base_uri: String::new(),
            dcat_datasets_per_page: 100,
            dcat_publisher_name: String::new(),
            dcat_publisher_uri: String::new(),
            issue_reports_per_hour: 5,
            personal_data_screening: true,
            service_publication_working_days: 1,
            public_holidays: Vec::new(),
            linkcheck: crate::linkcheck::LinkCheckConfig::default(),
            update_grace_days: kho_core::deadline::DeadlineRules::default().grace_days,
            update_due_soon_days: 7,
            sharing_log_retention_days: 1825,
            sharing_log_enabled: true,
            profiles: Profiles::shipped(),
            licenses: kho_core::license::LicenseRegister::ckan_default(),
        }
    }
}

impl CatalogConfig {
    /// The update deadline settings ([`kho_core::deadline`]).
    pub fn deadline_rules(&self) -> kho_core::deadline::DeadlineRules {
        kho_core::deadline::DeadlineRules {
            grace_days: self.update_grace_days.clone(),
            due_soon_days: self.update_due_soon_days,
        }
    }
}

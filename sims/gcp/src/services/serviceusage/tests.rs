use super::*;

fn usage() -> Arc<ServiceUsage> {
    let kit = Kit::new(simkit::KitConfig::new("gcp")).expect("kit");
    ServiceUsage::new(kit).expect("service usage")
}

fn state(service: &GoogleApiServiceusageV1Service) -> GoogleApiServiceusageV1ServiceState {
    service.state.expect("a state")
}

#[test]
fn defaults_are_enabled_and_names_carry_the_project_number() {
    let usage = usage();
    let number = project::number("p");
    let storage = usage
        .get_service("projects/p/services/storage.googleapis.com")
        .expect("storage");
    assert_eq!(
        state(&storage),
        GoogleApiServiceusageV1ServiceState::Enabled
    );
    assert_eq!(
        storage.name.as_deref(),
        Some(format!("projects/{number}/services/storage.googleapis.com").as_str())
    );
    assert_eq!(storage.parent, Some(format!("projects/{number}")));
    let run = usage
        .get_service(&format!("projects/{number}/services/run.googleapis.com"))
        .expect("run by number");
    assert_eq!(state(&run), GoogleApiServiceusageV1ServiceState::Disabled);
}

#[test]
fn enable_and_disable_finish_operations_and_change_listings() {
    let usage = usage();
    let operation = usage
        .enable_service("projects/p/services/run.googleapis.com")
        .expect("enable");
    assert_eq!(operation.done, Some(true));
    let name = operation.name.clone().expect("a name");
    assert!(name.starts_with("operations/acf.p2-"), "{name}");
    let response = operation.response.expect("a response");
    assert_eq!(
        response["@type"],
        "type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse"
    );
    assert_eq!(response["service"]["state"], "ENABLED");
    assert_eq!(usage.get_operation(&name).expect("stored").name, Some(name));
    let enabled = usage
        .list_services("projects/p", Some("state:ENABLED"), None, None)
        .expect("list");
    let names: Vec<String> = enabled
        .services
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.config.and_then(|c| c.name))
        .collect();
    assert!(
        names.contains(&"run.googleapis.com".to_string()),
        "{names:?}"
    );
    assert_eq!(names.len(), DEFAULT_ENABLED.len() + 1);
    usage
        .disable_service("projects/p/services/storage.googleapis.com")
        .expect("disable");
    let disabled = usage
        .list_services("projects/p", Some("state:DISABLED"), Some(200), None)
        .expect("list");
    assert!(disabled.services.unwrap_or_default().iter().any(|s| {
        s.config.as_ref().and_then(|c| c.name.as_deref()) == Some("storage.googleapis.com")
    }));
    assert_eq!(
        usage
            .list_operations(None, None)
            .expect("ops")
            .operations
            .map(|o| o.len()),
        Some(2)
    );
}

#[test]
fn listings_page_in_name_order() {
    let usage = usage();
    let mut token = None;
    let mut seen = Vec::new();
    loop {
        let page = usage
            .list_services("projects/p", None, Some(7), token.as_deref())
            .expect("page");
        let services = page.services.unwrap_or_default();
        assert!(services.len() <= 7);
        seen.extend(
            services
                .into_iter()
                .filter_map(|s| s.config.and_then(|c| c.name)),
        );
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), DEFAULT_ENABLED.len() + OFFERED.len());
}

#[test]
fn bad_input_gets_service_usage_errors() {
    let usage = usage();
    let unknown = usage
        .enable_service("projects/p/services/nothing.googleapis.com")
        .expect_err("not offered");
    assert_eq!((unknown.http, unknown.status), (403, "PERMISSION_DENIED"));
    assert_eq!(
        unknown.message,
        "Not found or permission denied for service(s): nothing.googleapis.com."
    );
    assert_eq!(
        unknown.details[0]["reason"],
        "SERVICE_CONFIG_NOT_FOUND_OR_PERMISSION_DENIED"
    );
    // A batch with one refused service changes nothing.
    let refused = usage
        .batch_enable_services(
            "projects/p",
            BatchEnableServicesRequest {
                service_ids: Some(vec![
                    "run.googleapis.com".into(),
                    "nope.googleapis.com".into(),
                ]),
            },
        )
        .expect_err("refused");
    assert_eq!(refused.status, "PERMISSION_DENIED");
    let run = usage
        .get_service("projects/p/services/run.googleapis.com")
        .expect("run");
    assert_eq!(state(&run), GoogleApiServiceusageV1ServiceState::Disabled);
    let too_many = usage
        .batch_enable_services(
            "projects/p",
            BatchEnableServicesRequest {
                service_ids: Some(vec!["run.googleapis.com".to_string(); 21]),
            },
        )
        .expect_err("too many");
    assert_eq!(too_many.status, "INVALID_ARGUMENT");
    for (call, expected) in [
        (
            usage.list_services("folders/1", None, None, None).err(),
            "INVALID_ARGUMENT",
        ),
        (
            usage
                .list_services("projects/p", Some("name:run"), None, None)
                .err(),
            "INVALID_ARGUMENT",
        ),
        (
            usage
                .list_services("projects/p", None, Some(-1), None)
                .err(),
            "INVALID_ARGUMENT",
        ),
    ] {
        assert_eq!(call.map(|e| e.status), Some(expected));
    }
    let missing = usage
        .get_operation("operations/acf.p2-1-none")
        .expect_err("unknown operation");
    assert_eq!(missing.status, "NOT_FOUND");
}

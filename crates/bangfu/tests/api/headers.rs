//! Security headers: `Permissions-Policy` on every answer (the camera stays
//! allowed for the visit form's photos), `Strict-Transport-Security` only
//! over TLS.

use crate::common;

async fn headers_of(
    app: &common::TestApp,
    path: &str,
    extra: Option<(&str, &str)>,
) -> reqwest::header::HeaderMap {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some((k, v)) = extra {
        req = req.header(k, v);
    }
    req.send().await.expect("request").headers().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_policy_everywhere_and_hsts_only_over_tls() {
    let plain = common::spawn().await;
    for path in [
        "/login",
        "/api/v1/openapi.json",
        "/healthz",
        "/api/v1/no-such",
        "/assets/app.css",
    ] {
        let h = headers_of(&plain, path, None).await;
        let policy = h
            .get("permissions-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path}: no Permissions-Policy"));
        assert!(policy.contains("camera=(self)"), "{path}: {policy}");
        assert!(policy.contains("geolocation=()"), "{path}: {policy}");
        assert!(policy.contains("microphone=()"), "{path}: {policy}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: no HSTS over plain HTTP"
        );
    }
    // A client cannot turn HSTS on by claiming TLS when no proxy is trusted.
    let h = headers_of(&plain, "/login", Some(("x-forwarded-proto", "https"))).await;
    assert!(h.get("strict-transport-security").is_none());

    let secure = common::spawn_configured(|c| c.web.secure_cookies = true).await;
    let h = headers_of(&secure, "/login", None).await;
    let hsts = h
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .expect("HSTS with --secure-cookies");
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
    assert!(h.get("permissions-policy").is_some());

    let proxied = common::spawn_configured(|c| c.web.trust_proxy = true).await;
    let h = headers_of(&proxied, "/login", Some(("x-forwarded-proto", "https"))).await;
    assert!(
        h.get("strict-transport-security").is_some(),
        "HTTPS at the proxy"
    );
    let h = headers_of(&proxied, "/login", Some(("x-forwarded-proto", "http"))).await;
    assert!(
        h.get("strict-transport-security").is_none(),
        "HTTP at the proxy"
    );
}

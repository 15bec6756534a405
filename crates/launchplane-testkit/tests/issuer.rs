//! The fake OIDC issuer: token endpoint, claims, JWKS, and Launchplane's token checks.

mod common;

use common::{decode, example, http, path_of, reply, send};
use launchplane_testkit::{Identity, StandIn, StandInConfig, TokenOverrides};
use serde_json::Value;

async fn fetch_token(url: &str, bearer: Option<&str>) -> common::Reply {
    let mut request = http().get(url);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    reply(request.send().await.unwrap()).await
}

#[tokio::test]
async fn the_token_endpoint_requires_the_request_token() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let url = format!("{}&audience={}", stand_in.token_request_url(), stand_in.audience());

    assert_eq!(fetch_token(&url, None).await.status, 401);
    assert_eq!(fetch_token(&url, Some("not-the-request-token")).await.status, 401);
    let ok = fetch_token(&url, Some(stand_in.token_request_token())).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json["count"], 1);
    assert!(ok.json["value"].as_str().is_some_and(|t| t.split('.').count() == 3));
    assert_eq!(stand_in.token_requests(), 3);

    let post = http()
        .post(&url)
        .bearer_auth(stand_in.token_request_token())
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
}

#[tokio::test]
async fn the_audience_comes_from_the_query_appended_to_the_handed_out_url() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let bearer = Some(stand_in.token_request_token());
    assert!(stand_in.token_request_url().contains("?api-version=2.0"));

    let appended = format!("{}&audience=launchplane.test", stand_in.token_request_url());
    let token = fetch_token(&appended, bearer).await;
    assert_eq!(
        decode(token.json["value"].as_str().unwrap()).1["aud"],
        "launchplane.test"
    );

    let without = fetch_token(stand_in.token_request_url(), bearer).await;
    assert_eq!(
        decode(without.json["value"].as_str().unwrap()).1["aud"],
        "https://github.com/cbusillo"
    );

    // A second `?` folds the audience into api-version: the endpoint refuses it.
    let misappended = format!("{}?audience=launchplane.test", stand_in.token_request_url());
    assert_eq!(fetch_token(&misappended, bearer).await.status, 400);
    let twice = format!("{appended}&audience=other");
    assert_eq!(fetch_token(&twice, bearer).await.status, 400);
    let base = stand_in.token_request_url().split('?').next().unwrap().to_owned();
    assert_eq!(fetch_token(&format!("{base}?audience=x"), bearer).await.status, 400);
}

#[tokio::test]
async fn tokens_carry_the_claims_github_issues() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let (header, claims) = decode(&stand_in.mint_token(TokenOverrides::default()));
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], stand_in.issuer());
    assert_eq!(claims["aud"], stand_in.audience());
    assert_eq!(claims["sub"], "repo:cbusillo/odoo-opw:ref:refs/heads/main");
    assert_eq!(claims["repository"], "cbusillo/odoo-opw");
    assert_eq!(claims["repository_owner"], "cbusillo");
    assert!(
        claims["repository_id"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
    assert!(
        claims["repository_owner_id"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
    assert_eq!(
        claims["workflow_ref"],
        "cbusillo/odoo-opw/.github/workflows/deploy.yml@refs/heads/main"
    );
    assert_eq!(claims["job_workflow_ref"], claims["workflow_ref"]);
    assert_eq!(claims["ref"], "refs/heads/main");
    assert_eq!(claims["ref_type"], "branch");
    assert_eq!(claims["event_name"], "push");
    assert_eq!(claims["sha"].as_str().unwrap().len(), 40);
    assert!(claims.get("environment").is_none());
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 300);
    assert_eq!(claims["nbf"], claims["iat"]);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));

    let identity = Identity {
        environment: Some("prod".into()),
        ..Identity::default()
    };
    let stand_in = StandIn::start(StandInConfig {
        identity,
        ..StandInConfig::default()
    })
    .await;
    let (_, claims) = decode(&stand_in.mint_token(TokenOverrides::default()));
    assert_eq!(claims["sub"], "repo:cbusillo/odoo-opw:environment:prod");
    assert_eq!(claims["environment"], "prod");
}

#[tokio::test]
async fn the_jwks_and_discovery_publish_the_signing_key() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let jwks = reply(
        http()
            .get(format!("{}/.well-known/jwks", stand_in.issuer()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(jwks.status, 200);
    let key = &jwks.json["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    let (header, _) = decode(&stand_in.mint_token(TokenOverrides::default()));
    assert_eq!(header["kid"], key["kid"]);

    let discovery = reply(
        http()
            .get(format!("{}/.well-known/openid-configuration", stand_in.issuer()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(discovery.json["issuer"], stand_in.issuer());
    assert_eq!(
        discovery.json["jwks_uri"],
        format!("{}/.well-known/jwks", stand_in.issuer())
    );
}

#[tokio::test]
async fn a_token_from_the_endpoint_is_accepted_by_launchplane() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let url = format!("{}&audience={}", stand_in.token_request_url(), stand_in.audience());
    let token = fetch_token(&url, Some(stand_in.token_request_token())).await;
    let token = token.json["value"].as_str().unwrap();
    let body = example(&stand_in, "odoo_post_deploy").to_string().into_bytes();
    let answer = send(
        &stand_in,
        "POST",
        &path_of(&stand_in, "odoo_post_deploy"),
        Some(token),
        None,
        Some(body),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
}

#[tokio::test]
async fn launchplane_refuses_tokens_that_do_not_verify() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy").to_string();
    let valid = stand_in.mint_token(TokenOverrides::default());
    let (signing_input, _) = valid.rsplit_once('.').unwrap();
    let tampered = {
        let (_, claims) = decode(&valid);
        let mut claims = claims;
        claims["repository"] = Value::from("cbusillo/other");
        let payload = base64_url(claims.to_string().as_bytes());
        let header = signing_input.split('.').next().unwrap();
        format!("{header}.{payload}.{}", valid.rsplit('.').next().unwrap())
    };
    let cases = [
        (
            "wrong audience",
            stand_in.mint_token(TokenOverrides::default().audience("someone-else")),
        ),
        (
            "expired",
            stand_in.mint_token(TokenOverrides::default().expires_in(-30)),
        ),
        (
            "not yet valid",
            stand_in.mint_token(TokenOverrides::default().claim("nbf", 4_102_444_800u64)),
        ),
        (
            "other issuer",
            stand_in.mint_token(TokenOverrides::default().claim("iss", "https://token.actions.githubusercontent.com")),
        ),
        (
            "bad signature",
            stand_in.mint_token(TokenOverrides::default().foreign_key()),
        ),
        (
            "unknown kid",
            stand_in.mint_token(TokenOverrides::default().kid("not-a-published-key")),
        ),
        ("tampered claims", tampered),
        ("not a JWT", "abc".to_owned()),
    ];
    for (case, token) in cases {
        let answer = send(
            &stand_in,
            "POST",
            &path,
            Some(&token),
            None,
            Some(body.clone().into_bytes()),
        )
        .await;
        assert_eq!(answer.status, 401, "{case}");
        assert_eq!(answer.code(), "authentication_required", "{case}");
        assert_eq!(
            answer.message(),
            "A valid GitHub OIDC token or browser session is required.",
            "{case}"
        );
        assert_eq!(
            answer.headers["www-authenticate"], r#"Bearer realm="Launchplane API""#,
            "{case}"
        );
    }

    let basic = http()
        .post(format!("{}{path}", stand_in.base_url()))
        .header("Authorization", format!("Basic {valid}"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);
    let lower_scheme = http()
        .post(format!("{}{path}", stand_in.base_url()))
        .header("Authorization", format!("bearer {valid}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(lower_scheme.status().as_u16(), 202);
    assert_eq!(stand_in.accepted().len(), 1);
}

#[tokio::test]
async fn a_valid_token_without_repository_or_workflow_ref_is_a_bad_request() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy").to_string();
    for claim in ["repository", "workflow_ref"] {
        let token = stand_in.mint_token(TokenOverrides::default().without(claim));
        let answer = send(
            &stand_in,
            "POST",
            &path,
            Some(&token),
            None,
            Some(body.clone().into_bytes()),
        )
        .await;
        assert_eq!((answer.status, answer.code()), (400, "invalid_request"), "{claim}");
        assert_eq!(answer.message(), "Request could not be completed.");
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

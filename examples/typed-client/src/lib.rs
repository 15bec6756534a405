//! A Rust program's view of Launchplane: typed request builders from the generated client,
//! sent with lpctl's runtime (OIDC token, Idempotency-Key, safe retries, typed errors).

use launchplane_client::generated::types::{GenericWebProdPromotionResponse, builder};
use launchplane_client::{Answer, Error, Launchplane};
use serde_json::{Value, json};

/// What to promote to prod.
#[derive(Debug, Clone)]
pub struct Promotion {
    pub product: String,
    pub artifact_id: String,
    pub source_git_ref: String,
    /// The passing production backup gate record the promotion stands behind.
    pub backup_record_id: String,
    /// Resolve lanes and the backup gate without deploying.
    pub dry_run: bool,
    /// Overrides the key derived from the spec's key shape and the body.
    pub idempotency_key: Option<String>,
}

/// Promotes the artifact verified on testing to prod, through the generated builder.
pub async fn promote(
    launchplane: &Launchplane,
    promotion: &Promotion,
) -> Result<Answer<GenericWebProdPromotionResponse>, Error> {
    let client = launchplane.client();
    let request = builder::GenericWebProdPromotionRequest::default()
        .product(promotion.product.clone())
        .artifact_id(promotion.artifact_id.clone())
        .source_git_ref(promotion.source_git_ref.clone())
        .backup_record_id(promotion.backup_record_id.clone())
        .dry_run(promotion.dry_run);
    let mut call = client
        .generic_web_prod_promotion()
        .body_map(|envelope| envelope.product(promotion.product.clone()).promotion(request));
    if let Some(key) = &promotion.idempotency_key {
        call = call.idempotency_key(key.clone());
    }
    launchplane.run(call.send()).await
}

/// One line of JSON describing the answer, as a workflow step would log it.
pub fn summary(answer: &Result<Answer<GenericWebProdPromotionResponse>, Error>) -> Value {
    match answer {
        Ok(answer) => json!({
            "operation": answer.outcome.operation,
            "http_status": answer.outcome.http_status,
            "trace_id": answer.value.trace_id,
            "succeeded": answer.outcome.succeeded(),
            "replayed": answer.outcome.replayed,
            "attempts": answer.outcome.attempts,
            "promotion_status": answer.value.result.promotion_status.to_string(),
        }),
        Err(Error::Rejected(rejection)) => json!({
            "operation": rejection.operation,
            "http_status": rejection.status,
            "code": rejection.code,
            "message": rejection.message,
            "trace_id": rejection.trace_id,
        }),
        Err(error) => json!({"error": error.to_string()}),
    }
}

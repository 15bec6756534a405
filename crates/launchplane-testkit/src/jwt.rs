//! RS256 JSON Web Tokens: a signing key with its JWK, signing, and checked decoding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    Malformed,
    UnsupportedAlgorithm,
    UnknownKey,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    Expired,
    NotYetValid,
}

/// An RSA key pair that signs RS256 tokens, named by its RFC 7638 thumbprint.
pub(crate) struct SigningKeyPair {
    kid: String,
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
    public: RsaPublicKey,
}

impl SigningKeyPair {
    pub(crate) fn generate(bits: usize) -> Self {
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).expect("generate an RSA key");
        let public = private.to_public_key();
        let kid = thumbprint(&public);
        SigningKeyPair {
            kid,
            signing: SigningKey::new(private),
            verifying: VerifyingKey::new(public.clone()),
            public,
        }
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half as a JWK, the way GitHub publishes its keys.
    pub(crate) fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": b64(&self.public.n().to_bytes_be()),
            "e": b64(&self.public.e().to_bytes_be()),
        })
    }

    /// Signs `claims` with a header naming `kid`.
    pub(crate) fn sign(&self, kid: &str, claims: &Map<String, Value>) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": kid});
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(Value::Object(claims.clone()).to_string().as_bytes())
        );
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&signature.to_bytes()))
    }

    fn verifies(&self, signing_input: &str, signature: &[u8]) -> bool {
        Signature::try_from(signature)
            .is_ok_and(|signature| self.verifying.verify(signing_input.as_bytes(), &signature).is_ok())
    }
}

/// What a verifier expects of a token.
pub(crate) struct Expectations<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub now: u64,
}

/// Decodes `token` and checks it the way PyJWT does for Launchplane: RS256 only, a key
/// from `keys` by `kid`, the signature, `iss`, `aud`, and `exp`/`nbf`/`iat` when present.
pub(crate) fn verify(
    token: &str,
    keys: &[&SigningKeyPair],
    expect: &Expectations<'_>,
) -> Result<Map<String, Value>, TokenError> {
    let mut parts = token.split('.');
    let (Some(header_part), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header = decode_object(header_part)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(TokenError::UnknownKey)?;
    let key = keys.iter().find(|key| key.kid() == kid).ok_or(TokenError::UnknownKey)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    if !key.verifies(&format!("{header_part}.{payload}"), &signature) {
        return Err(TokenError::BadSignature);
    }
    let claims = decode_object(payload)?;
    check_time(&claims, expect.now)?;
    if claims.get("iss").and_then(Value::as_str) != Some(expect.issuer) {
        return Err(TokenError::WrongIssuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == expect.audience,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(expect.audience)),
        _ => false,
    };
    if !audience_ok {
        return Err(TokenError::WrongAudience);
    }
    Ok(claims)
}

fn check_time(claims: &Map<String, Value>, now: u64) -> Result<(), TokenError> {
    let number = |name: &str| match claims.get(name) {
        None => Ok(None),
        Some(value) => value.as_f64().map(Some).ok_or(TokenError::Malformed),
    };
    let now = now as f64;
    if number("exp")?.is_some_and(|exp| exp <= now) {
        return Err(TokenError::Expired);
    }
    if number("nbf")?.is_some_and(|nbf| nbf > now) || number("iat")?.is_some_and(|iat| iat > now) {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

fn decode_object(part: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenError::Malformed),
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn thumbprint(public: &RsaPublicKey) -> String {
    // RFC 7638: the required members in lexicographic order, no whitespace.
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        b64(&public.e().to_bytes_be()),
        b64(&public.n().to_bytes_be())
    );
    b64(&Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn key() -> &'static SigningKeyPair {
        static KEY: OnceLock<SigningKeyPair> = OnceLock::new();
        KEY.get_or_init(|| SigningKeyPair::generate(2048))
    }

    fn claims(extra: Value) -> Map<String, Value> {
        let mut claims = json!({"iss": "https://issuer", "aud": "lp", "exp": 2000, "iat": 1000, "nbf": 1000})
            .as_object()
            .cloned()
            .unwrap();
        claims.extend(extra.as_object().cloned().unwrap_or_default());
        claims
    }

    const EXPECT: Expectations<'static> = Expectations {
        issuer: "https://issuer",
        audience: "lp",
        now: 1500,
    };

    #[test]
    fn a_signed_token_round_trips() {
        let token = key().sign(key().kid(), &claims(json!({"sub": "repo:x/y:ref:refs/heads/main"})));
        let decoded = verify(&token, &[key()], &EXPECT).unwrap();
        assert_eq!(decoded["sub"], "repo:x/y:ref:refs/heads/main");
    }

    #[test]
    fn the_jwk_names_the_key_and_carries_its_modulus() {
        let jwk = key().jwk();
        assert_eq!(jwk["kid"], key().kid());
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap().len(), 256);
    }

    #[test]
    fn each_check_names_its_failure() {
        let sign = |extra: Value| key().sign(key().kid(), &claims(extra));
        let check = |token: &str| verify(token, &[key()], &EXPECT);
        assert_eq!(check(&sign(json!({"aud": "other"}))), Err(TokenError::WrongAudience));
        assert_eq!(check(&sign(json!({"aud": ["other", "lp"]}))).map(|_| ()), Ok(()));
        assert_eq!(
            check(&sign(json!({"iss": "https://elsewhere"}))),
            Err(TokenError::WrongIssuer)
        );
        assert_eq!(check(&sign(json!({"exp": 1500}))), Err(TokenError::Expired));
        assert_eq!(check(&sign(json!({"nbf": 1600}))), Err(TokenError::NotYetValid));
        assert_eq!(
            check(&key().sign("another-kid", &claims(json!({})))),
            Err(TokenError::UnknownKey)
        );
        assert_eq!(check("not-a-token"), Err(TokenError::Malformed));

        let token = sign(json!({}));
        let (signing_input, _) = token.rsplit_once('.').unwrap();
        let forged = format!("{signing_input}.{}", b64(&[7u8; 256]));
        assert_eq!(check(&forged), Err(TokenError::BadSignature));

        let (head, rest) = token.split_once('.').unwrap();
        let none_header = b64(br#"{"alg":"none","kid":"x"}"#);
        assert_eq!(
            check(&format!("{none_header}.{rest}")),
            Err(TokenError::UnsupportedAlgorithm)
        );
        let swapped_claims = b64(Value::Object(claims(json!({"aud": "lp", "sub": "forged"})))
            .to_string()
            .as_bytes());
        let signature = token.rsplit('.').next().unwrap();
        assert_eq!(
            check(&format!("{head}.{swapped_claims}.{signature}")),
            Err(TokenError::BadSignature)
        );
    }
}

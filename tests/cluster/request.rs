//! kcert's PKCS#10 decoding of requests made by the fake API server (with rcgen, not kcert).

use std::net::IpAddr;

use kcert::cluster::request::decode_issued;
use kcert::pki::decode::{decode_request, DecodeError};
use kcert::pki::KeyAlgorithm;
use kcert_fakeapi::make_request;
use kcert_fakeapi::seed::tamper_signature;

#[test]
fn generated_request_decodes_with_sans_and_a_valid_signature() {
    let ip: IpAddr = "10.0.0.7".parse().unwrap();
    let pem = make_request(
        "system:node:w1",
        &["system:nodes"],
        &["w1", "w1.lab"],
        &[ip],
    )
    .unwrap();
    let d = decode_request(pem.as_bytes()).unwrap();
    assert_eq!(d.common_name.as_deref(), Some("system:node:w1"));
    assert_eq!(d.organizations, ["system:nodes"]);
    assert_eq!(d.sans(), ["DNS:w1", "DNS:w1.lab", "IP:10.0.0.7"]);
    assert_eq!(d.key_algorithm, KeyAlgorithm::EcdsaP256);
    assert_eq!(d.signature, Ok(()));
    assert!(d.public_key_id.is_some());
}

#[test]
fn a_flipped_signature_bit_is_caught() {
    let pem = make_request("mallory", &[], &[], &[]).unwrap();
    let d = decode_request(tamper_signature(&pem).unwrap().as_bytes()).unwrap();
    assert!(
        matches!(d.signature, Err(DecodeError::RequestSignature(_))),
        "{d:?}"
    );
}

#[test]
fn an_issued_certificate_that_is_not_one_gets_a_reason() {
    assert!(decode_issued(b"not a certificate").is_err());
}

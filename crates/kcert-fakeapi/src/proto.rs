//! Just enough protobuf to read what `kubectl certificate approve|deny` PUTs: the `k8s\0`
//! magic, a `runtime.Unknown` whose field 2 holds the CertificateSigningRequest, and of that
//! only `metadata.name`, `metadata.resourceVersion` and `status.conditions`; the RBAC
//! objects and ConfigMaps kubectl creates. Field numbers are those of k8s.io/api's
//! generated.proto.

use serde_json::{json, Value};

const MAGIC: &[u8] = b"k8s\0";

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(out);
        }
    }
    Err("varint too long".into())
}

/// All top-level fields of one message, in order.
fn fields(buf: &[u8]) -> Result<Vec<(u64, Field<'_>)>, String> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let (number, wire) = (key >> 3, key & 7);
        let f = match wire {
            0 => Field::Varint(varint(buf, &mut pos)?),
            1 | 5 => {
                pos += if wire == 1 { 8 } else { 4 };
                Field::Fixed
            }
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).map_err(|e| e.to_string())?;
                let end = pos
                    .checked_add(len)
                    .filter(|e| *e <= buf.len())
                    .ok_or("truncated field")?;
                let b = &buf[pos..end];
                pos = end;
                Field::Bytes(b)
            }
            w => return Err(format!("unsupported wire type {w}")),
        };
        out.push((number, f));
    }
    if pos > buf.len() {
        return Err("truncated message".into());
    }
    Ok(out)
}

fn bytes_field(buf: &[u8], number: u64) -> Result<Option<&[u8]>, String> {
    Ok(fields(buf)?.into_iter().rev().find_map(|(n, f)| match f {
        Field::Bytes(b) if n == number => Some(b),
        _ => None,
    }))
}

fn string_field(buf: &[u8], number: u64) -> Result<Option<String>, String> {
    bytes_field(buf, number)?
        .map(|b| String::from_utf8(b.to_vec()).map_err(|e| e.to_string()))
        .transpose()
}

/// `meta.v1.Time{seconds=1}` as RFC 3339.
fn time(buf: &[u8]) -> Result<Value, String> {
    let secs = fields(buf)?.into_iter().find_map(|(n, f)| match f {
        Field::Varint(v) if n == 1 => Some(v as i64),
        _ => None,
    });
    Ok(secs
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
        .unwrap_or(Value::Null))
}

fn condition(buf: &[u8]) -> Result<Value, String> {
    let mut c = json!({});
    for (n, f) in fields(buf)? {
        let Field::Bytes(b) = f else { continue };
        let text = || String::from_utf8_lossy(b).into_owned();
        match n {
            1 => c["type"] = text().into(),
            2 => c["reason"] = text().into(),
            3 => c["message"] = text().into(),
            4 => c["lastUpdateTime"] = time(b)?,
            5 => c["lastTransitionTime"] = time(b)?,
            6 => c["status"] = text().into(),
            _ => {}
        }
    }
    Ok(c)
}

/// Decode a protobuf CertificateSigningRequest body into the JSON fields the approval
/// handler reads: `{metadata: {name, resourceVersion}, status: {conditions}}`.
pub fn decode_csr_body(body: &[u8]) -> Result<Value, String> {
    let raw = raw(body)?;
    let mut out = json!({ "metadata": {}, "status": { "conditions": [] } });
    if let Some(meta) = bytes_field(raw, 1)? {
        if let Some(name) = string_field(meta, 1)? {
            out["metadata"]["name"] = name.into();
        }
        if let Some(rv) = string_field(meta, 6)? {
            out["metadata"]["resourceVersion"] = rv.into();
        }
    }
    if let Some(status) = bytes_field(raw, 3)? {
        let mut conditions = Vec::new();
        for (n, f) in fields(status)? {
            if let (1, Field::Bytes(b)) = (n, f) {
                conditions.push(condition(b)?);
            }
        }
        out["status"]["conditions"] = Value::Array(conditions);
    }
    Ok(out)
}

/// Every string of a repeated string field.
fn strings(buf: &[u8], number: u64) -> Result<Vec<String>, String> {
    Ok(fields(buf)?
        .into_iter()
        .filter_map(|(n, f)| match f {
            Field::Bytes(b) if n == number => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .collect())
}

/// String fields of one message as a JSON object, by field number → JSON name.
fn object(buf: &[u8], names: &[(u64, &str)]) -> Result<Value, String> {
    let mut o = json!({});
    for (n, name) in names {
        if let Some(v) = string_field(buf, *n)? {
            o[*name] = v.into();
        }
    }
    Ok(o)
}

/// The `runtime.Unknown` payload of a protobuf body.
fn raw(body: &[u8]) -> Result<&[u8], String> {
    let unknown = body
        .strip_prefix(MAGIC)
        .ok_or("protobuf body without the k8s\\0 magic")?;
    bytes_field(unknown, 2)?.ok_or_else(|| "runtime.Unknown without raw bytes".to_string())
}

/// `metadata.name` and `metadata.labels` of an ObjectMeta.
fn metadata(raw: &[u8]) -> Result<Value, String> {
    let mut meta = json!({});
    if let Some(m) = bytes_field(raw, 1)? {
        meta = object(m, &[(1, "name"), (3, "namespace")])?;
    }
    Ok(meta)
}

/// Decode what `kubectl create clusterrolebinding` POSTs (rbac/v1 generated.proto:
/// metadata 1, subjects 2 {kind 1, apiGroup 2, name 3, namespace 4}, roleRef 3
/// {apiGroup 1, kind 2, name 3}) into its JSON form.
pub fn decode_cluster_role_binding(body: &[u8]) -> Result<Value, String> {
    let raw = raw(body)?;
    let mut subjects = Vec::new();
    let mut role_ref = Value::Null;
    for (n, f) in fields(raw)? {
        match (n, f) {
            (2, Field::Bytes(b)) => subjects.push(object(
                b,
                &[(1, "kind"), (2, "apiGroup"), (3, "name"), (4, "namespace")],
            )?),
            (3, Field::Bytes(b)) => {
                role_ref = object(b, &[(1, "apiGroup"), (2, "kind"), (3, "name")])?
            }
            _ => {}
        }
    }
    Ok(json!({ "metadata": metadata(raw)?, "subjects": subjects, "roleRef": role_ref }))
}

/// Decode what `kubectl create clusterrole` POSTs (rules 2 {verbs 1, apiGroups 2,
/// resources 3, resourceNames 4, nonResourceURLs 5}).
pub fn decode_cluster_role(body: &[u8]) -> Result<Value, String> {
    let raw = raw(body)?;
    let mut rules = Vec::new();
    for (n, f) in fields(raw)? {
        if let (2, Field::Bytes(b)) = (n, f) {
            let mut rule = json!({});
            for (i, name) in [
                (1, "verbs"),
                (2, "apiGroups"),
                (3, "resources"),
                (4, "resourceNames"),
                (5, "nonResourceURLs"),
            ] {
                let values = strings(b, i)?;
                if !values.is_empty() || i <= 2 {
                    rule[name] = json!(values);
                }
            }
            rules.push(rule);
        }
    }
    Ok(json!({ "metadata": metadata(raw)?, "rules": rules }))
}

/// Decode a ConfigMap (core/v1 generated.proto: metadata 1 {name 1, namespace 3,
/// resourceVersion 6}, data 2 and binaryData 3 as map entries {key 1, value 2}, immutable 4).
pub fn decode_config_map(body: &[u8]) -> Result<Value, String> {
    use base64::Engine;
    let raw = raw(body)?;
    let mut out = json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(raw)? });
    if let Some(m) = bytes_field(raw, 1)? {
        if let Some(rv) = string_field(m, 6)? {
            out["metadata"]["resourceVersion"] = rv.into();
        }
    }
    for (n, f) in fields(raw)? {
        match (n, f) {
            (2 | 3, Field::Bytes(entry)) => {
                let key = string_field(entry, 1)?.unwrap_or_default();
                let value = bytes_field(entry, 2)?.unwrap_or_default();
                let (field, value) = match n {
                    2 => ("data", String::from_utf8_lossy(value).into_owned()),
                    _ => (
                        "binaryData",
                        base64::engine::general_purpose::STANDARD.encode(value),
                    ),
                };
                out[field][key] = value.into();
            }
            (4, Field::Varint(v)) => out["immutable"] = (v != 0).into(),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(n << 3 | 2) as u8];
        let mut len = bytes.len();
        while len >= 0x80 {
            out.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        out.push(len as u8);
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn reads_name_version_and_conditions() {
        let meta = [field(1, b"csr-1"), field(6, b"42")].concat();
        let time = [8u8, 0x80, 0xde, 0xd4, 0xc8, 0x06]; // seconds = 1762000000
        let cond = [
            field(1, b"Approved"),
            field(6, b"True"),
            field(2, b"KubectlApprove"),
            field(4, &time),
        ]
        .concat();
        let status = field(1, &cond);
        let csr = [field(1, &meta), field(2, b""), field(3, &status)].concat();
        let unknown = [field(1, b""), field(2, &csr)].concat();
        let body = [b"k8s\0".as_slice(), &unknown].concat();
        let v = decode_csr_body(&body).unwrap();
        assert_eq!(v["metadata"]["name"], "csr-1");
        assert_eq!(v["metadata"]["resourceVersion"], "42");
        assert_eq!(v["status"]["conditions"][0]["type"], "Approved");
        assert_eq!(v["status"]["conditions"][0]["reason"], "KubectlApprove");
        assert!(v["status"]["conditions"][0]["lastUpdateTime"].is_string());
    }

    #[test]
    fn reads_a_cluster_role_binding() {
        let meta = field(1, b"kubeadm:autoapprove");
        let subject = [
            field(1, b"Group"),
            field(2, b"rbac.authorization.k8s.io"),
            field(3, b"system:bootstrappers:x"),
        ]
        .concat();
        let role_ref = [
            field(1, b"rbac.authorization.k8s.io"),
            field(2, b"ClusterRole"),
            field(3, b"nodeclient"),
        ]
        .concat();
        let crb = [field(1, &meta), field(2, &subject), field(3, &role_ref)].concat();
        let body = [b"k8s\0".as_slice(), &field(2, &crb)].concat();
        let v = decode_cluster_role_binding(&body).unwrap();
        assert_eq!(v["metadata"]["name"], "kubeadm:autoapprove");
        assert_eq!(v["subjects"][0]["kind"], "Group");
        assert_eq!(v["subjects"][0]["name"], "system:bootstrappers:x");
        assert_eq!(v["roleRef"]["name"], "nodeclient");
        let rule = [field(1, b"create"), field(2, b"x"), field(3, b"y/z")].concat();
        let cr = [field(1, &field(1, b"r")), field(2, &rule)].concat();
        let v = decode_cluster_role(&[b"k8s\0".as_slice(), &field(2, &cr)].concat()).unwrap();
        assert_eq!(v["rules"][0]["verbs"][0], "create");
        assert_eq!(v["rules"][0]["resources"][0], "y/z");
    }

    #[test]
    fn reads_a_config_map() {
        let meta = [
            field(1, b"cluster-info"),
            field(3, b"kube-public"),
            field(6, b"7"),
        ]
        .concat();
        let entry = [field(1, b"kubeconfig"), field(2, b"apiVersion: v1\n")].concat();
        let binary = [field(1, b"blob"), field(2, &[0, 1, 2])].concat();
        let cm = [
            field(1, &meta),
            field(2, &entry),
            field(3, &binary),
            vec![4 << 3, 1],
        ]
        .concat();
        let v = decode_config_map(&[b"k8s\0".as_slice(), &field(2, &cm)].concat()).unwrap();
        assert_eq!(v["metadata"]["name"], "cluster-info");
        assert_eq!(v["metadata"]["namespace"], "kube-public");
        assert_eq!(v["metadata"]["resourceVersion"], "7");
        assert_eq!(v["data"]["kubeconfig"], "apiVersion: v1\n");
        assert_eq!(v["binaryData"]["blob"], "AAEC");
        assert_eq!(v["immutable"], true);
    }

    #[test]
    fn truncated_bodies_are_errors() {
        assert!(decode_csr_body(b"k8s\0\x12\x05ab").is_err());
        assert!(decode_csr_body(b"{}").is_err());
    }
}

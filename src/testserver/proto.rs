//! Just enough protobuf to read what `kubectl certificate approve|deny` PUTs: the `k8s\0`
//! magic, a `runtime.Unknown` whose field 2 holds the CertificateSigningRequest, and of that
//! only `metadata.name`, `metadata.resourceVersion` and `status.conditions`. Field numbers
//! are those of k8s.io/api's generated.proto.

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
    let unknown = body
        .strip_prefix(MAGIC)
        .ok_or("protobuf body without the k8s\\0 magic")?;
    let raw = bytes_field(unknown, 2)?.ok_or("runtime.Unknown without raw bytes")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(n << 3 | 2) as u8, bytes.len() as u8];
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
    fn truncated_bodies_are_errors() {
        assert!(decode_csr_body(b"k8s\0\x12\x05ab").is_err());
        assert!(decode_csr_body(b"{}").is_err());
    }
}

#!/usr/bin/env python3
"""The peer for kcert's scan benchmark: the same work in one Python process with
pyca/cryptography (the library most Python certificate tools use).

Walks the roots, reads every file, parses each PEM block (certificates and private keys),
links every certificate to its issuer (authority key id -> subject key id, else issuer name),
verifies each signature with the issuer's public key, pairs private keys with certificates by
public key, judges expiry against --now, and prints a JSON document with one entry per
certificate, as `kcert check --output json` does.

    python3 scan_peer.py ROOT [--now 2026-11-22T12:00:00Z] > out.json
"""
import argparse
import datetime as dt
import json
import os
import re
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, ed25519

PEM = re.compile(rb"-----BEGIN ([A-Z ]+)-----\r?\n(.*?)-----END \1-----", re.S)
EXTS = (".crt", ".pem", ".key", ".cert", ".conf", ".kubeconfig")


def walk(roots):
    for root in roots:
        for d, _, files in os.walk(root, followlinks=True):
            for f in files:
                if f.endswith(EXTS):
                    yield os.path.join(d, f)


def pub_der(pub):
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def verify(cert, issuer_pub):
    try:
        h = cert.signature_hash_algorithm
        if isinstance(issuer_pub, rsa.RSAPublicKey):
            issuer_pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), h)
        elif isinstance(issuer_pub, ec.EllipticCurvePublicKey):
            issuer_pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(h))
        elif isinstance(issuer_pub, ed25519.Ed25519PublicKey):
            issuer_pub.verify(cert.signature, cert.tbs_certificate_bytes)
        else:
            return False
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def ext(cert, oid_cls):
    try:
        return cert.extensions.get_extension_for_class(oid_cls).value
    except x509.ExtensionNotFound:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--now", default=None)
    ap.add_argument("--warn", type=int, default=30)
    ap.add_argument("--crit", type=int, default=7)
    a = ap.parse_args()
    now = dt.datetime.fromisoformat(a.now.replace("Z", "+00:00")) if a.now else dt.datetime.now(dt.timezone.utc)

    certs, keys, errors = [], [], []
    for path in walk(a.roots):
        try:
            data = open(path, "rb").read()
        except OSError as e:
            errors.append({"path": path, "error": str(e)})
            continue
        for m in PEM.finditer(data):
            kind, block = m.group(1), m.group(0)
            try:
                if kind == b"CERTIFICATE":
                    certs.append((path, x509.load_pem_x509_certificate(block)))
                elif kind.endswith(b"PRIVATE KEY"):
                    keys.append((path, serialization.load_pem_private_key(block, None)))
            except (ValueError, TypeError) as e:
                errors.append({"path": path, "error": str(e)})

    by_ski, by_name = {}, {}
    for i, (_, c) in enumerate(certs):
        bc = ext(c, x509.BasicConstraints)
        if bc is not None and bc.ca:
            ski = ext(c, x509.SubjectKeyIdentifier)
            if ski is not None:
                by_ski.setdefault(ski.digest, []).append(i)
            by_name.setdefault(c.subject.public_bytes(), []).append(i)

    key_by_pub = {pub_der(k.public_key()): p for p, k in keys}
    out = []
    for i, (path, c) in enumerate(certs):
        aki = ext(c, x509.AuthorityKeyIdentifier)
        cands = by_ski.get(aki.key_identifier, []) if aki is not None and aki.key_identifier else []
        cands = cands or by_name.get(c.issuer.public_bytes(), [])
        chain, issuer = "unknown_issuer", None
        for j in cands:
            if verify(c, certs[j][1].public_key()):
                chain, issuer = ("self_signed" if j == i else "verified"), certs[j][0]
                break
        else:
            if cands:
                chain = "bad_signature"
        left = (c.not_valid_after_utc - now).total_seconds()
        days = int(left // 86400)
        status = "expired" if left <= 0 else "critical" if days < a.crit else "warning" if days < a.warn else "ok"
        keyp = key_by_pub.get(pub_der(c.public_key()))
        out.append({
            "path": path,
            "subject": c.subject.rfc4514_string(),
            "issuer": c.issuer.rfc4514_string(),
            "serial": format(c.serial_number, "X"),
            "not_before": c.not_valid_before_utc.isoformat(),
            "not_after": c.not_valid_after_utc.isoformat(),
            "days_left": days,
            "status": status,
            "chain": chain,
            "issuer_path": issuer,
            "key_path": keyp,
            "key_match": keyp is not None,
        })
    json.dump({"certificates": out, "errors": errors}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

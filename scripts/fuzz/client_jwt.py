"""A CDS client for the auth-on fuzz run: one ES384 key, its trusted-client entry, fresh JWTs.

`python client_jwt.py DIR` writes DIR/client-key.pem (private, stays in DIR) and
DIR/trusted-clients.json (the public key as CDS_TRUSTED_CLIENTS_FILE expects it).
hooks.py signs one token per request with `sign(aud, tenant)`: every claim the
service checks (docs/security.md) is valid, the jti unique.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ISSUER = "https://fuzz-client.invalid"
KID = "fuzz-es384"
# Tenants the trusted client may name; the harness maps two of them to the dk and se profiles.
TENANTS = ["fuzz-no", "fuzz-dk", "fuzz-se"]
LIFETIME_SECONDS = 300
COORDINATE_BYTES = 48  # P-384


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def write_client(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    (directory / "client-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-384",
        "kid": KID,
        "x": b64url(numbers.x.to_bytes(COORDINATE_BYTES, "big")),
        "y": b64url(numbers.y.to_bytes(COORDINATE_BYTES, "big")),
    }
    client = {"issuer": ISSUER, "jwks": {"keys": [jwk]}, "tenants": TENANTS}
    (directory / "trusted-clients.json").write_text(json.dumps([client]), encoding="utf-8")


class Signer:
    def __init__(self, key_file: Path) -> None:
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self._key = key

    def sign(self, audience: str, tenant: str) -> str:
        now = int(time.time())
        header = {"alg": "ES384", "typ": "JWT", "kid": KID}
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "iat": now,
            "exp": now + LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
            "tenant": tenant,
        }
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (header, claims)
        )
        der = self._key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA384()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(COORDINATE_BYTES, "big") + s.to_bytes(COORDINATE_BYTES, "big")
        return f"{signing_input}.{b64url(signature)}"


if __name__ == "__main__":
    write_client(Path(sys.argv[1]))

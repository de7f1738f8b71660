"""Schemathesis hooks and checks for the fuzz run (scripts/fuzz.sh), loaded via SCHEMATHESIS_HOOKS.

Keeps the fuzzer on this machine: every generated `fhirServer` that the service
could fetch from (an http or https URL, whatever its host) is replaced with the
loopback FHIR stub (FUZZ_FHIR_BASE) just before the request is sent, so a
generated `http://example.com` is never fetched. Values that are not http(s)
URLs are kept: the service must refuse them with 400, and that is checked. The
service itself runs with a fetch that refuses non-loopback hosts
(loopback-fetch.cjs) in case anything slips past this.

With FUZZ_JWT_KEY (the auth-on run) every request without an Authorization
header gets a fresh client JWT for the URL it is sent to, naming each tenant in
turn; every tenth has a broken signature and must get a bare 401, as must a
generated Authorization header, which is kept.

Check `no_secret_in_error`: an error response never contains the request's FHIR
access token or patient id. Every such value of 8 characters or more is also
written to FUZZ_SECRETS_FILE, which the harness looks for in the service log.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from typing import Any

import schemathesis

FHIR_BASE = os.environ["FUZZ_FHIR_BASE"]
SERVICE_BASE = os.environ["FUZZ_SERVICE_BASE"]
SECRETS_FILE = os.environ.get("FUZZ_SECRETS_FILE")
# As a WHATWG URL parser reads a scheme: tabs and newlines removed, C0 and spaces trimmed.
FETCHABLE = re.compile(r"^[\x00-\x20]*https?:", re.IGNORECASE)
# Values that would appear verbatim in a JSON log line; shorter ones match by chance.
SEARCHABLE_SECRET = re.compile(r"^[A-Za-z0-9._~+/=-]{8,}$")

# Every n-th signed request gets a token whose signature does not verify.
BROKEN_TOKEN_EVERY = 10

_signer = None
_tenants = None
_signed = itertools.count(1)
if os.environ.get("FUZZ_JWT_KEY"):
    from client_jwt import TENANTS, Signer

    _signer = Signer(Path(os.environ["FUZZ_JWT_KEY"]))
    _tenants = itertools.cycle(TENANTS)


def _point_at_stub(body: Any) -> None:
    if isinstance(body, dict):
        server = body.get("fhirServer")
        if isinstance(server, str) and FETCHABLE.match(re.sub(r"[\t\n\r]", "", server)):
            body["fhirServer"] = FHIR_BASE


def _secrets_of(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    values = []
    authorization = body.get("fhirAuthorization")
    if isinstance(authorization, dict):
        values.append(authorization.get("access_token"))
    context = body.get("context")
    if isinstance(context, dict):
        values.append(context.get("patientId"))
    # The hook name is echoed on purpose ("x" does not match this service); a patient id equal to it is not a leak.
    hook = body.get("hook")
    return [
        value
        for value in values
        if isinstance(value, str) and SEARCHABLE_SECRET.match(value) and value != hook
    ]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    _point_at_stub(case.body)
    if SECRETS_FILE:
        secrets = _secrets_of(case.body)
        if secrets:
            with open(SECRETS_FILE, "a", encoding="utf-8") as handle:
                handle.write("".join(f"{secret}\n" for secret in secrets))
    if _signer is not None and _tenants is not None:
        headers = case.headers if case.headers is not None else {}
        if not any(name.lower() == "authorization" for name in headers):
            url = case.as_transport_kwargs(base_url=SERVICE_BASE)["url"]
            token = _signer.sign(url.split("?")[0], next(_tenants))
            if next(_signed) % BROKEN_TOKEN_EVERY == 0:
                # The last 4 of 128 characters: 3 bytes of the signature's s, no padding bits.
                token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
            headers["Authorization"] = f"Bearer {token}"
            case.headers = headers


@schemathesis.check
def no_secret_in_error(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    text = response.text or ""
    for secret in _secrets_of(case.body):
        if secret in text:
            raise AssertionError("An error response repeats the request's access token or patient id")
    return None

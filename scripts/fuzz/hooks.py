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

Feedback reaches the service's logic, not only its validation: in a feedback
body, every `card` (and accepted suggestion `id`) that is a well-formed uuid is
replaced with a card this service really issued (and that card's suggestion
uuids). The cards come from one call per service with a golden request pair
(test/golden/pairs), made when the first feedback case for that service is sent.
Malformed values are kept, so negative cases stay negative.

Two rules of a hook call tie one member to another, which JSON Schema cannot
state (the OpenAPI document says them in words; test/conformance/
openapi-hook-requests.test.ts checks they are the only ones it leaves out):
- on `/cds-services/{id}`, the body's `hook` must be the hook of service `id`: a
  body naming one of the three hooks is sent to the service of that hook;
- every order-select `selections` item (`Type/id`) must name an entry of
  `context.draftOrders`: a selection of that form the Bundle lacks is added to it as
  a draft of that type and id.
Bodies that break the document are left as they are, so negative cases stay
negative.

Check `no_secret_in_error`: an error response never contains the request's FHIR
access token or patient id. Every such value of 8 characters or more is also
written to FUZZ_SECRETS_FILE, which the harness looks for in the service log.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import urllib.request
from pathlib import Path
from typing import Any

import schemathesis

FHIR_BASE = os.environ["FUZZ_FHIR_BASE"]
SERVICE_BASE = os.environ["FUZZ_SERVICE_BASE"]
SECRETS_FILE = os.environ.get("FUZZ_SECRETS_FILE")
# Logged with every request to a service (the `service` field), so never a secret.
SERVICE_IDS = frozenset({"fls-patient-view", "fls-order-select", "fls-order-sign"})
# As a WHATWG URL parser reads a scheme: tabs and newlines removed, C0 and spaces trimmed.
FETCHABLE = re.compile(r"^[\x00-\x20]*https?:", re.IGNORECASE)
# Values that would appear verbatim in a JSON log line; shorter ones match by chance.
SEARCHABLE_SECRET = re.compile(r"^[A-Za-z0-9._~+/=-]{8,}$")

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A golden request per service whose answer has cards with suggestions.
CARD_REQUESTS = {
    "fls-patient-view": "r01-screening-labs-missing.patient-view.json",
    "fls-order-select": "r06-hypocalcaemia.order-select.json",
    "fls-order-sign": "r11-zoledronic-acid-egfr.order-sign.json",
}
PAIRS = Path(__file__).resolve().parents[2] / "test" / "golden" / "pairs"

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
    # The hook name is echoed on purpose ("x" does not match this service), and every log
    # line names its service: a patient id equal to either is not a leak.
    hook = body.get("hook")
    return [
        value
        for value in values
        if isinstance(value, str)
        and SEARCHABLE_SECRET.match(value)
        and value != hook
        and value not in SERVICE_IDS
    ]


# Service id -> cards it issued: (card uuid, its suggestion uuids).
_issued: dict[str, list[tuple[str, list[str]]]] = {}
_picks = itertools.count()


def _cards_of(service: str) -> list[tuple[str, list[str]]]:
    if service not in _issued:
        _issued[service] = []
        pair = json.loads((PAIRS / CARD_REQUESTS[service]).read_text(encoding="utf-8"))
        url = f"{SERVICE_BASE}/cds-services/{service}"
        headers = {"Content-Type": "application/json"}
        if _signer is not None:
            headers["Authorization"] = f"Bearer {_signer.sign(url, 'fuzz-no')}"
        request = urllib.request.Request(
            url, data=json.dumps(pair["request"]).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                cards = json.loads(response.read()).get("cards", [])
        except OSError:
            cards = []
        _issued[service] = [
            (card["uuid"], [suggestion["uuid"] for suggestion in card.get("suggestions", [])])
            for card in cards
        ]
    return _issued[service]


def _use_issued_cards(case: Any) -> None:
    body = case.body
    service = (case.path_parameters or {}).get("id")
    if case.path != "/cds-services/{id}/feedback" or service not in CARD_REQUESTS:
        return
    if not isinstance(body, dict):
        return
    items = body.get("feedback")
    if not isinstance(items, list):
        return
    cards = _cards_of(service)
    with_suggestions = [card for card in cards if card[1]]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("card"), str):
            continue
        if not UUID.match(item["card"]):
            continue
        pool = with_suggestions if item.get("outcome") == "accepted" and with_suggestions else cards
        if not pool:
            continue
        uuid, suggestions = pool[next(_picks) % len(pool)]
        item["card"] = uuid
        accepted = item.get("acceptedSuggestions")
        if suggestions and isinstance(accepted, list):
            for index, suggestion in enumerate(accepted):
                if isinstance(suggestion, dict) and isinstance(suggestion.get("id"), str):
                    if UUID.match(suggestion["id"]):
                        suggestion["id"] = suggestions[index % len(suggestions)]


# The service answering each hook (src/cds/services.ts).
SERVICE_OF_HOOK = {
    "patient-view": "fls-patient-view",
    "order-select": "fls-order-select",
    "order-sign": "fls-order-sign",
}
SELECTION = re.compile(r"([A-Za-z]+)/([A-Za-z0-9\-.]+)")


def _hook_of_service(case: Any) -> None:
    if case.path != "/cds-services/{id}" or not isinstance(case.body, dict):
        return
    hook = case.body.get("hook")
    service = SERVICE_OF_HOOK.get(hook) if isinstance(hook, str) else None
    parameters = case.path_parameters or {}
    if service is not None and parameters.get("id") in SERVICE_OF_HOOK.values():
        case.path_parameters = {**parameters, "id": service}


def _selections_in_drafts(case: Any) -> None:
    body = case.body
    if not isinstance(body, dict) or body.get("hook") != "order-select":
        return
    context = body.get("context")
    if not isinstance(context, dict):
        return
    selections, drafts = context.get("selections"), context.get("draftOrders")
    if not isinstance(selections, list) or not isinstance(drafts, dict):
        return
    entries = drafts.get("entry", [])
    if not isinstance(entries, list):
        return
    present = {
        f"{entry['resource'].get('resourceType')}/{entry['resource'].get('id')}"
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    }
    for selection in selections:
        match = SELECTION.fullmatch(selection) if isinstance(selection, str) else None
        if match and selection not in present:
            entries.append({"resource": {"resourceType": match[1], "id": match[2], "status": "draft"}})
            present.add(selection)
    if entries:
        drafts["entry"] = entries


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    _point_at_stub(case.body)
    _hook_of_service(case)
    _selections_in_drafts(case)
    _use_issued_cards(case)
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

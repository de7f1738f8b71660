"""A FHIR R4 server on 127.0.0.1 for the fuzz run (scripts/fuzz.sh).

Every `fhirServer` the fuzzer generates is pointed here (hooks.py), so hook calls
that fetch their data reach the service's whole path — FHIR queries, rules,
cards — instead of ending in 412, and never leave the machine. Whatever patient
id is asked for, it answers with one patient of the synthetic library
(test/fixtures/patients), its dates moved to today as the library's loader does
and its references pointed at the requested id. Unknown paths get 404 with an
OperationOutcome, like a real server.

Usage: python fhir_stub.py PATIENT_FILE PORT_FILE — listens on a free port and
writes it to PORT_FILE once it accepts connections.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The library's dates are written as on this day (test/fixtures/README.md "Dates").
ANCHOR = dt.date(2026, 1, 1)
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(.*)$")
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def shift_dates(value: Any, days: int) -> Any:
    if isinstance(value, dict):
        return {key: shift_dates(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_dates(item, days) for item in value]
    if isinstance(value, str):
        match = DATE.match(value)
        if match and (match.group(2) == "" or match.group(2).startswith("T")):
            moved = dt.date.fromisoformat(match.group(1)) + dt.timedelta(days=days)
            return moved.isoformat() + match.group(2)
    return value


def load_resources(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        patient_file = json.load(handle)
    days = (dt.datetime.now(dt.timezone.utc).date() - ANCHOR).days
    return [shift_dates(entry["resource"], days) for entry in patient_file["bundle"]["entry"]]


def codes_of(resource: dict[str, Any]) -> set[str]:
    """`system|code` and bare `code` of each coding, as a token search matches them."""
    codings = (resource.get("code") or {}).get("coding") or []
    return {f"{c.get('system')}|{c.get('code')}" for c in codings} | {c.get("code") for c in codings}


def outcome(message: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-found", "diagnostics": message}],
    }


def make_handler(resources: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    patient_id = next(r["id"] for r in resources if r["resourceType"] == "Patient")
    own_reference = f"Patient/{patient_id}"

    def for_patient(resource: dict[str, Any], requested: str) -> dict[str, Any]:
        text = json.dumps(resource).replace(f'"{own_reference}"', json.dumps(f"Patient/{requested}"))
        moved = json.loads(text)
        if moved["resourceType"] == "Patient":
            moved["id"] = requested
        return moved

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass  # one line per request would drown the fuzz output

        def send_json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            url = urllib.parse.urlsplit(self.path)
            parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
            if len(parts) < 2 or parts[0] != "fhir":
                self.send_json(404, outcome("unknown path"))
                return
            if len(parts) == 3 and parts[1] == "Patient" and FHIR_ID.match(parts[2]):
                patient = next(r for r in resources if r["resourceType"] == "Patient")
                self.send_json(200, for_patient(patient, parts[2]))
                return
            if len(parts) != 2:
                self.send_json(404, outcome("unknown resource"))
                return
            query = urllib.parse.parse_qs(url.query)
            requested = (query.get("patient") or [patient_id])[0]
            tokens = set(",".join(query.get("code", [])).split(",")) - {""}
            matches = [
                for_patient(copy.deepcopy(r), requested)
                for r in resources
                if r["resourceType"] == parts[1]
                and r["resourceType"] != "Patient"
                and (not tokens or tokens & codes_of(r))
            ]
            self.send_json(
                200,
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "total": len(matches),
                    "entry": [{"resource": r, "search": {"mode": "match"}} for r in matches],
                },
            )

    return Handler


def main() -> None:
    patient_path, port_file = sys.argv[1], sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(load_resources(patient_path)))
    server.daemon_threads = True
    with open(port_file, "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()

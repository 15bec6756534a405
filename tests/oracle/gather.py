#!/usr/bin/env python3
"""Builds the oracle corpus: request bodies derived from the spec's examples, sent to a running
Launchplane, each recorded with the verdict Launchplane gave. Python standard library only.

    python3 tests/oracle/gather.py --spec spec.json --out tests/oracle/launchplane-371132b.json

`--spec` is openapi/launchplane-v1.yaml converted to JSON (the client's build writes one to its
OUT_DIR as launchplane-v1.json). The connection comes from the environment a GitHub Actions job
has: LAUNCHPLANE_URL, LAUNCHPLANE_AUDIENCE, ACTIONS_ID_TOKEN_REQUEST_URL and
ACTIONS_ID_TOKEN_REQUEST_TOKEN. Launchplane must trust that token's issuer and grant its
repository the products named in PRODUCTS below (odoo in context opw, acme-web in contexts
acme-web and acme-web-preview).
"""

import argparse
import collections
import copy
import datetime
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

# Products and contexts the bodies are moved to, so that Launchplane's authorization lets the
# request reach its handler: product per operation tag, context per operation.
ODOO = {"product": "odoo", "context": "opw"}
WEB = {"product": "acme-web", "context": "acme-web-preview"}
WEB_OPERATIONS = {
    "evidence_preview_generations",
    "evidence_previews_destroyed",
    "previews_lifecycle_plan",
    "previews_lifecycle_cleanup",
    "previews_desired_state",
    "previews_pr_feedback",
}

FAILED_VALIDATION = "Request payload failed validation."

# The example the variants of an operation start from, where not the first: a live
# generic-web promotion waits on its provider, a dry run answers at once.
BASE_EXAMPLE = {"generic_web_prod_promotion": "dry_run"}
# A driver that got past validation may wait on a provider (a live generic-web promotion
# answers after about a minute); no answer within this many
# seconds is recorded as such (validation answers at once).
ANSWER_TIMEOUT = 90

# Characters Python's str.strip() removes, and two it keeps (U+FEFF, U+200B).
BLANKS = {
    "tab": "\t",
    "lf": "\n",
    "vt": "\x0b",
    "ff": "\x0c",
    "cr": "\r",
    "fs-1c": "\x1c",
    "gs-1d": "\x1d",
    "rs-1e": "\x1e",
    "us-1f": "\x1f",
    "nel-85": "\x85",
    "nbsp-a0": "\xa0",
    "ogham-1680": "\u1680",
    "enquad-2000": "\u2000",
    "hairspace-200a": "\u200a",
    "linesep-2028": "\u2028",
    "parasep-2029": "\u2029",
    "nnbsp-202f": "\u202f",
    "mmsp-205f": "\u205f",
    "ideographic-3000": "\u3000",
    "bom-feff": "\ufeff",
    "zwsp-200b": "\u200b",
}

PREVIEW_URLS = [
    "https://x",
    "http://a/b",
    "https://pr-42.preview.example.com/path?q=1#f",
    "https://",
    "http://",
    "ftp://x",
    "https:x",
    "https:/x",
    "https:///x",
    "//x",
    "x",
    "/path",
    "https://exa mple.com",
    "https://[::1]",
    "https://[::1",
    "https://[x]",
    "HTTPS://X",
    "Http://x",
    "https://x:99999",
    "https://x:abc",
    "https://x:",
    "https://:80",
    "https://user@",
    "https://user:pw@x",
    "https://@",
    " https://x",
    "https://x ",
    "\thttps://x",
    "\u00a0https://x",
    "\x1chttps://x",
    "https://\u00e9xample.com",
    "https://xn--xample-9ua.com",
    "https://\u4f8b\u3048.jp",
    "https:\\\\x",
    "https://x\\y",
    "https:\\x",
    "https://x%zz",
    "https://%41",
    "https://x\ny",
    "https://a..b",
    "https://256.256.256.256",
    "https://0x7f.1",
    "https://x?#",
    "https://?",
    "https://#",
    "javascript:alert(1)",
    "mailto:a@b",
    "https//x",
    "http:://x",
    "https://-",
    "https://x_y",
    "https://<x>",
    "https://x|y",
]


def resolve(spec, schema):
    """The object schema behind $ref, and behind a single-$ref allOf (OpenAPI 3.0 nullable refs)."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def remap(operation_id, tag, body):
    """The example with its product and context fields moved to the peer's products."""
    target = WEB if (tag == "generic_web" or operation_id in WEB_OPERATIONS) else ODOO

    def walk(value):
        if isinstance(value, dict):
            out = {}
            for key, child in value.items():
                if key == "product" and isinstance(child, str):
                    out[key] = target["product"]
                elif key == "context" and isinstance(child, str):
                    out[key] = target["context"]
                else:
                    out[key] = walk(child)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(body)


def base_example(operation_id, examples):
    wanted = BASE_EXAMPLE.get(operation_id)
    return next((body for name, body in examples if name == wanted), examples[0][1])


def get_at(body, path):
    for key in path:
        body = body[key]
    return body


def with_value(body, path, value):
    copied = copy.deepcopy(body)
    get_at(copied, path[:-1])[path[-1]] = value
    return copied


def without(body, path):
    copied = copy.deepcopy(body)
    del get_at(copied, path[:-1])[path[-1]]
    return copied


def dotted(path):
    return ".".join(str(p) for p in path) or "(body)"


def schema_nodes(spec, schema, body, path=()):
    """Every (path, object schema, object value) of the body, depth first."""
    schema = resolve(spec, schema)
    if isinstance(body, dict) and schema.get("type") == "object" and "properties" in schema:
        yield path, schema, body
        for name, child in body.items():
            prop = schema["properties"].get(name)
            if prop is None:
                continue
            prop = resolve(spec, prop)
            if isinstance(child, dict):
                yield from schema_nodes(spec, prop, child, path + (name,))
            elif isinstance(child, list) and child and isinstance(child[0], dict) and "items" in prop:
                yield from schema_nodes(spec, prop["items"], child[0], path + (name, 0))


def generated_cases(spec, operation_id, tag, request_ref, examples):
    """Examples, then one change each to the first example: structure, blanks, types, enums."""
    cases = []

    def add(kind, path, body, note):
        cases.append({"id": f"{operation_id}/{kind}/{dotted(path)}", "operation": operation_id,
                      "body": body, "note": note})

    for name, example in examples:
        cases.append({"id": f"{operation_id}/example/{name}", "operation": operation_id,
                      "body": remap(operation_id, tag, example), "note": f"spec example {name}"})
    base = remap(operation_id, tag, base_example(operation_id, examples))
    for path, schema, value in schema_nodes(spec, {"$ref": request_ref}, base):
        add("unknown-field", path, with_value(base, path + ("unexpected_field",), "x"),
            f"unknown field inside {dotted(path)}")
        if len(path) <= 1:
            required = [name for name in schema.get("required", []) if name in value]
            for name in required[:2]:
                add("missing", path + (name,), without(base, path + (name,)),
                    f"required field {dotted(path + (name,))} left out")
        # Per object: strings blanked (up to four), the first field of each other kind changed.
        taken = collections.Counter()
        for name, child in value.items():
            prop = schema["properties"].get(name)
            if prop is None:
                continue
            field = path + (name,)
            prop_r = resolve(spec, prop)
            kind = prop_r.get("type")
            if "enum" in prop_r and isinstance(child, str):
                add("enum-unknown", field, with_value(base, field, "bogus-value"), "value outside the enum")
                if child.upper() != child:
                    add("enum-case", field, with_value(base, field, child.upper()), "enum value in upper case")
            elif kind == "string" and isinstance(child, str):
                if taken["blank"] < 4:
                    taken["blank"] += 1
                    add("blank", field, with_value(base, field, "   "), "three spaces")
                if not taken["string"]:
                    taken["string"] += 1
                    add("type-number", field, with_value(base, field, 5), "number where a string goes")
                    add("null", field, with_value(base, field, None), "null for a non-nullable string")
            elif kind == "integer" and isinstance(child, int) and not isinstance(child, bool):
                if not taken["integer"]:
                    taken["integer"] += 1
                    add("type-numeric-string", field, with_value(base, field, str(child)), "integer as a string")
                    add("type-whole-float", field, with_value(base, field, float(child)), "integer as 5.0")
                    add("zero", field, with_value(base, field, 0), "zero")
            elif kind == "boolean" and isinstance(child, bool):
                if not taken["boolean"]:
                    taken["boolean"] += 1
                    add("type-bool-string", field, with_value(base, field, "true"), "boolean as \"true\"")
                    add("type-bool-number", field, with_value(base, field, 1), "boolean as 1")
            if prop.get("nullable") and isinstance(child, dict):
                add("null", field, with_value(base, field, None), "null for a nullable object")
    return cases


def targeted_cases(spec, bodies):
    """Hand-picked changes where parsers and strip() implementations differ."""
    cases = []

    def add(operation_id, path, value, kind, note):
        body = with_value(bodies[operation_id], path, value)
        cases.append({"id": f"{operation_id}/{kind}/{dotted(path)}", "operation": operation_id,
                      "body": body, "note": note})

    blank_fields = [
        ("evidence_deployments", ("deployment", "context")),
        ("evidence_deployments", ("deployment", "resolved_target", "target_id")),
        ("generic_web_preview_refresh", ("refresh", "preview_slug")),
    ]
    for operation_id, path in blank_fields:
        for name, char in BLANKS.items():
            add(operation_id, path, char * 2, f"blank-{name}", f"two U+{ord(char):04X}")
    # A real value padded with those characters: Launchplane strips before comparing.
    for name in ("nbsp-a0", "fs-1c", "ideographic-3000", "bom-feff"):
        char = BLANKS[name]
        add("generic_web_deploy", ("deploy", "product"), f"{char}acme-web", f"padded-{name}",
            f"nested product U+{ord(char):04X}-padded, compared with the envelope's")
        add("odoo_prod_backup_gate", ("backup_gate", "instance"), f"prod{char}", f"padded-{name}",
            f"instance prod with a trailing U+{ord(char):04X}")
    for index, url in enumerate(PREVIEW_URLS):
        add("generic_web_preview_refresh", ("refresh", "preview_url"), url, f"preview-url-{index:02}",
            f"preview_url {url!r}")
    for url in ("https://x", "ftp://x", "not a url"):
        add("previews_pr_feedback", ("preview_url",), url, f"preview-url-{url.split(':')[0]}",
            f"pr-feedback preview_url {url!r}")
    # Cross-field rules, with Launchplane's normalisation.
    add("generic_web_deploy", ("deploy", "product"), "other-web", "mismatch", "nested product differs")
    add("generic_web_deploy", ("deploy", "product"), "ACME-WEB", "mismatch-case", "nested product in upper case")
    add("generic_web_deploy", ("deploy", "product"), " acme-web ", "mismatch-padded", "nested product padded")
    add("odoo_prod_promotion", ("promotion", "to_instance"), "testing", "same-instances", "to == from")
    add("odoo_prod_promotion", ("promotion", "to_instance"), "PROD", "instance-case", "to_instance PROD")
    add("odoo_prod_promotion", ("promotion", "from_instance"), " Testing ", "instance-padded", "from padded")
    add("odoo_prod_promotion", ("promotion", "wait"), False, "no-wait", "wait false")
    add("odoo_prod_backup_gate", ("backup_gate", "instance"), "testing", "instance-testing", "backup gate on testing")
    add("odoo_prod_backup_gate", ("backup_gate", "instance"), " PROD ", "instance-upper", "PROD padded")
    add("odoo_post_deploy", ("post_deploy", "instance"), "staging", "instance-other", "instance staging")
    add("odoo_post_deploy", ("post_deploy", "instance"), "Prod", "instance-case", "instance Prod")
    add("odoo_artifact_publish", ("publish", "manifest", "artifact_id"), "artifact-OPW-3f2a9c1",
        "artifact-prefix-case", "artifact id prefix in another case")
    add("odoo_artifact_publish", ("publish", "manifest", "artifact_id"), "build-opw-3f2a9c1",
        "artifact-prefix-missing", "artifact id without the artifact- prefix")
    add("generic_web_prod_promotion", ("promotion", "from_instance"), "prod", "same-instances",
        "from prod to prod")
    add("evidence_promotions", ("promotion", "to_instance"), "testing", "same-instances", "to == from")
    return cases


class Peer:
    def __init__(self):
        self.url = os.environ["LAUNCHPLANE_URL"].rstrip("/")
        self.audience = os.environ["LAUNCHPLANE_AUDIENCE"]
        self.token_url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
        self.request_token = os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
        self.token = None

    def fresh_token(self):
        url = f"{self.token_url}&audience={urllib.parse.quote(self.audience)}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.request_token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            self.token = json.load(answer)["value"]

    def send(self, method, path, body):
        if self.token is None:
            self.fresh_token()
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"oracle-{uuid.uuid4()}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)
        except TimeoutError:
            return None, {}


def verdict(status, answer):
    error = answer.get("error") or {}
    if status is None:
        return {"status": None, "code": None, "message": f"no answer within {ANSWER_TIMEOUT} s",
                "validation": "passed"}
    if status == 401:
        raise SystemExit(f"authentication failed: {answer}")
    failed = status == 400 and error.get("message") == FAILED_VALIDATION
    return {
        "status": status,
        "code": error.get("code"),
        "message": error.get("message"),
        # Launchplane validates the whole body before anything else on every POST route, so any
        # other answer to a JSON object body means validation passed.
        "validation": "failed" if failed else "passed",
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--revision", default="371132b511d6a5e440ce31107d382f5b2989305b")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as handle:
        spec = json.load(handle)

    operations = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post"):
                operations.append((method.upper(), path, op))

    cases, bodies = [], {}
    for method, path, op in operations:
        operation_id = op["operationId"]
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            params = [{}]
            if "{driver_id}" in path:
                params = [{"driver_id": d} for d in ("odoo", "generic-web", "verireel", "no-such-driver")]
            for p in params:
                suffix = p.get("driver_id", "(none)")
                cases.append({"id": f"{operation_id}/get/{suffix}", "operation": operation_id,
                              "params": p, "body": None, "note": "GET without a body"})
            continue
        examples = [(n, e["value"]) for n, e in content.get("examples", {}).items()]
        bodies[operation_id] = remap(operation_id, op.get("tags", [""])[0], base_example(operation_id, examples))
        cases += generated_cases(spec, operation_id, op.get("tags", [""])[0],
                                 content["schema"]["$ref"], examples)
    cases += targeted_cases(spec, bodies)

    seen = set()
    for case in cases:
        while case["id"] in seen:
            case["id"] += "+"
        seen.add(case["id"])

    by_id = {op["operationId"]: (method, path) for method, path, op in operations}
    peer = Peer()
    for number, case in enumerate(cases):
        method, template = by_id[case["operation"]]
        path = template
        for name, value in (case.get("params") or {}).items():
            path = path.replace("{" + name + "}", value)
        if number % 50 == 0:
            peer.fresh_token()
        status, answer = peer.send(method, path, case["body"])
        case["verdict"] = verdict(status, answer)
        print(f"{case['verdict']['status']} {case['verdict']['validation']:6} {case['id']}", file=sys.stderr)

    corpus = {
        "revision": args.revision,
        "gathered_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "how": (
            "Each body sent once with a fresh Idempotency-Key and a valid GitHub Actions OIDC token "
            "to Launchplane's own WSGI app at this revision on loopback (filesystem store, policy "
            "granting odoo/opw and acme-web), by tests/oracle/gather.py. validation is 'failed' "
            "exactly when Launchplane answered 400 'Request payload failed validation.'; any other "
            "answer (202, or 400 'Request could not be completed.' from a route that needs a "
            "provider, or 404/403 raised after the body validated) means validation passed."
        ),
        "cases": [
            {key: case[key] for key in ("id", "operation", "params", "body", "verdict", "note") if key in case}
            for case in cases
        ],
    }
    # One case a line: the file diffs by case.
    header = {key: value for key, value in corpus.items() if key != "cases"}
    lines = [json.dumps(case, ensure_ascii=True) for case in corpus["cases"]]
    text = json.dumps(header, indent=1, ensure_ascii=True)[:-2]
    text += ',\n "cases": [\n' + ",\n".join(lines) + "\n ]\n}\n"
    json.loads(text)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"{len(cases)} cases written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Baseline for `cargo xtask bench`, not a product: the shape of the hand-rolled Python
tenant clients lpctl replaces — fetch the GitHub OIDC token, POST one Odoo post-deploy.

Usage: python-client.py <idempotency-key>  (env: LAUNCHPLANE_URL, LAUNCHPLANE_AUDIENCE,
ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN)
"""

import json
import os
import sys
import urllib.parse
import urllib.request


def main() -> int:
    key = sys.argv[1]
    token_url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&" + urllib.parse.urlencode(
        {"audience": os.environ["LAUNCHPLANE_AUDIENCE"]}
    )
    request = urllib.request.Request(
        token_url, headers={"Authorization": "Bearer " + os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        token = json.load(response)["value"]
    body = json.dumps({"product": "opw", "post_deploy": {"context": "opw", "instance": "testing"}}).encode()
    request = urllib.request.Request(
        os.environ["LAUNCHPLANE_URL"] + "/v1/drivers/odoo/post-deploy",
        data=body,
        method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json", "Idempotency-Key": key},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
        return 0 if response.status == 202 and answer.get("status") == "accepted" else 1


if __name__ == "__main__":
    sys.exit(main())

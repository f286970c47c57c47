#!/usr/bin/env python3
"""The seeds' way of linking a shared module into every inbound call flow, as a baseline for
`flowlink link`: plain `requests` with a kept-alive Session, one flow after another, GET the
flow, prepend the call to its action list (seed 001's `existing_flow.actions.insert(0, ...)`),
PUT the whole flow back.

usage: seed_link.py BASE_URL CLIENT_ID CLIENT_SECRET MODULE_ID
Prints one JSON line: {"flows": N, "seconds": S} (S excludes interpreter start-up).
"""

import json
import sys
import time

import requests


def main() -> int:
    base, client_id, client_secret, module_id = sys.argv[1:5]
    started = time.perf_counter()
    s = requests.Session()
    r = s.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
               auth=(client_id, client_secret))
    r.raise_for_status()
    s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    # Seed 001, step 2: the inbound flows, page by page.
    ids, page = [], 1
    while True:
        r = s.get(f"{base}/api/v2/flows",
                  params={"type": "inbound", "pageSize": 100, "pageNumber": page})
        r.raise_for_status()
        body = r.json()
        ids += [e["id"] for e in body["entities"]]
        if page >= body.get("pageCount", 0):
            break
        page += 1

    # Seed 001, step 3: GET, prepend the call, PUT, one flow after another.
    for flow_id in ids:
        r = s.get(f"{base}/api/v2/flows/{flow_id}")
        r.raise_for_status()
        flow = r.json()
        actions = flow.get("actions") or []
        actions.insert(0, {"type": "callFlow", "name": "CallSharedCommonModule",
                           "flow": {"id": module_id, "version": None}})
        flow["actions"] = actions
        flow.pop("definition", None)
        r = s.put(f"{base}/api/v2/flows/{flow_id}", json=flow)
        r.raise_for_status()

    print(json.dumps({"flows": len(ids), "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

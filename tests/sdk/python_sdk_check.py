"""Drive a running flowlink server with the official Genesys Python SDK (PureCloudPlatformClientV2).

Run by crates/flowlink/tests/official_sdks.rs with FLOWLINK_URL, FLOWLINK_CLIENT_ID and
FLOWLINK_CLIENT_SECRET set. Exits non-zero (with a message) on the first broken expectation.
"""

import json
import os
import sys
import uuid

import PureCloudPlatformClientV2 as gc
from PureCloudPlatformClientV2.rest import ApiException

URL = os.environ["FLOWLINK_URL"]
CLIENT_ID = os.environ["FLOWLINK_CLIENT_ID"]
CLIENT_SECRET = os.environ["FLOWLINK_CLIENT_SECRET"]


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def new_flow(name, flow_type, description=None):
    # SDK models take no constructor arguments; attributes are set one by one.
    flow = gc.Flow()
    flow.name = name
    flow.type = flow_type
    if description is not None:
        flow.description = description
    return flow


def expect_api_exception(status, fn, what):
    try:
        fn()
    except ApiException as e:
        check(e.status == status, f"{what}: status {e.status} == {status}")
        body = json.loads(e.body)
        check(body.get("status") == status and body.get("code"), f"{what}: Genesys ErrorBody {body.get('code')}")
        return body
    check(False, f"{what}: expected ApiException({status})")


def main():
    # The host must be set before constructing ApiClient (reference §1.4).
    gc.configuration.host = URL
    api_client = gc.api_client.ApiClient().get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
    check(bool(api_client.access_token), "client-credentials login on the same origin")
    arch = gc.ArchitectApi(api_client)

    suffix = uuid.uuid4().hex[:8]
    module = arch.post_flows(new_flow(f"Shared Auth {suffix}", "commonmodule", "shared"))
    check(module.type == "COMMONMODULE", f"module created with UPPERCASE type ({module.type})")
    inbound = []
    for i in range(2):
        f = arch.post_flows(new_flow(f"Inbound {i} {suffix}", "inboundcall"))
        check(f.id and f.type == "INBOUNDCALL", f"inbound flow {i} created")
        inbound.append(f)

    # Page through inbound flows one at a time until nextUri disappears.
    seen, page = [], 1
    while True:
        listing = arch.get_flows(type=["inboundcall"], page_size=1, page_number=page, name_or_description=suffix)
        check(listing.page_size == 1 and listing.page_number == page, f"listing page {page} envelope")
        seen.extend(e.id for e in listing.entities)
        if not listing.next_uri:
            check(listing.page_count == page, "pageCount matches the last page")
            break
        page += 1
    check(sorted(seen) == sorted(f.id for f in inbound), "paging returns exactly the two inbound flows")

    got = arch.get_flow(inbound[0].id)
    check(got.name == inbound[0].name and got.type == "INBOUNDCALL", "get_flow")
    got.description = "updated by the python sdk"
    put = arch.put_flow(inbound[0].id, got)
    check(put.description == "updated by the python sdk" and put.name == inbound[0].name, "put_flow keeps name, changes description")

    arch.delete_flow(inbound[1].id)
    expect_api_exception(410, lambda: arch.get_flow(inbound[1].id), "get deleted flow")
    expect_api_exception(404, lambda: arch.get_flow(str(uuid.uuid4())), "get unknown flow")

    bad = gc.api_client.ApiClient()
    bad.access_token = "not-a-real-token"
    expect_api_exception(401, lambda: gc.ArchitectApi(bad).get_flows(), "forged token")
    try:
        gc.api_client.ApiClient().get_client_credentials_token(CLIENT_ID, "wrong-secret")
        check(False, "bad secret must be refused")
    except ApiException as e:
        check(e.status == 401 and "invalid_client" in e.body, "bad secret -> 401 invalid_client")

    extra = os.environ.get("FLOWLINK_SDK_EXTRA")
    if extra:
        exec(compile(open(extra).read(), extra, "exec"), {"gc": gc, "arch": arch, "check": check,
             "api_client": api_client, "module": module, "inbound": inbound, "ApiException": ApiException,
             "expect_api_exception": expect_api_exception, "new_flow": new_flow, "suffix": suffix})
    print("python sdk: all checks passed")


if __name__ == "__main__":
    main()

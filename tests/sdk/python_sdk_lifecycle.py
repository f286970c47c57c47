"""Publishing lifecycle and dependency tracking through the official Python SDK (issue 5).

Run by python_sdk_check.py through its FLOWLINK_SDK_EXTRA hook (see
crates/flowlink-server/tests/official_sdks.rs), with the check's globals: gc, arch, check,
api_client, module (an empty shared module), inbound (two inbound flows, the second deleted),
ApiException, expect_api_exception, new_flow, suffix.

The SDK's Flow model has no field for flowlink's logic extensions, so logic is written with one
raw PUT; every lifecycle action and dependency query goes through the SDK, which sends the
bodiless action POSTs with `Content-Type: application/json` and the body `null`.
"""

import json
import os
import urllib.request


def put_logic(flow_id, actions):
    req = urllib.request.Request(
        f"{os.environ['FLOWLINK_URL']}/api/v2/flows/{flow_id}",
        data=json.dumps({"actions": actions}).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {api_client.access_token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        check(resp.status == 200, f"raw PUT of logic to {flow_id}")
        return json.loads(resp.read())


client_id = os.environ["FLOWLINK_CLIENT_ID"]
caller = inbound[0]
put_logic(caller.id, [
    {"type": "callFlow", "name": "Shared Auth", "flow": {"id": module.id, "version": None}},
    {"type": "disconnect", "name": "Bye"},
])

# checkout → the Flow, locked to this OAuth client.
locked = arch.post_flows_actions_checkout(module.id)
check(locked.locked_client is not None and locked.locked_client.id == client_id,
      f"post_flows_actions_checkout locks the module to this client ({locked.locked_client})")

# The holder's logic write is a draft: savedVersion moves, publishedVersion does not.
put_logic(module.id, [{"type": "setData", "name": "Mark", "data": [{"key": "ran", "value": "v2"}]}])
drafted = arch.get_flow(module.id)
check(drafted.saved_version.id == "2.0" and drafted.published_version.id == "1.0",
      "a write under checkout is a draft (savedVersion 2.0, publishedVersion 1.0)")

# checkin → a completed Operation; the draft is checked in, unpublished, and the lock released.
op = arch.post_flows_actions_checkin(module.id)
check(op.complete and op.action_name == "CHECKIN" and op.action_status == "SUCCESS" and op.client.id == client_id,
      f"post_flows_actions_checkin answers a completed CHECKIN Operation ({op.action_name}/{op.action_status})")
checked_in = arch.get_flow(module.id)
check(checked_in.checked_in_version.id == "2.0" and checked_in.published_version.id == "1.0"
      and checked_in.locked_client is None, "checkin: checkedInVersion 2.0, still unpublished, unlocked")

# publish → a completed Operation; the checked-in version is live.
arch.post_flows_actions_checkout(module.id)
op = arch.post_flows_actions_publish(module.id)
check(op.complete and op.action_name == "PUBLISH" and op.action_status == "SUCCESS",
      "post_flows_actions_publish answers a completed PUBLISH Operation")
published = arch.get_flow(module.id)
check(published.published_version.id == "2.0" and published.locked_client is None and published.active,
      "publish: publishedVersion 2.0, active, unlocked")
op = arch.post_flows_actions_publish(module.id, version="1.0")
check(op.complete and arch.get_flow(module.id).published_version.id == "1.0", "publish with version=1.0 rolls back")

# revert drops a draft and releases the lock; a deleted flow cannot be checked out.
arch.post_flows_actions_checkout(module.id)
reverted = arch.post_flows_actions_revert(module.id)
check(reverted.locked_client is None and reverted.saved_version is None, "post_flows_actions_revert releases the lock")
expect_api_exception(410, lambda: arch.post_flows_actions_checkout(inbound[1].id), "checkout of a deleted flow")

# Who calls the module?
listing = arch.get_architect_dependencytracking_consumingresources(module.id, "COMMONMODULEFLOW")
check(listing.total == 1 and listing.entities[0].id == caller.id and listing.entities[0].type == "INBOUNDCALLFLOW"
      and listing.entities[0].version == "2.0",
      f"get_architect_dependencytracking_consumingresources lists the caller ({[(e.id, e.type, e.version) for e in listing.entities]})")
published_only = arch.get_architect_dependencytracking_consumingresources(
    module.id, "COMMONMODULEFLOW", flow_filter="published", resource_type=["INBOUNDCALLFLOW"], page_size=10)
check(published_only.total == 1 and published_only.page_size == 10, "consumingresources with flowFilter, resourceType, pageSize")
consumed = arch.get_architect_dependencytracking_consumedresources(caller.id, "2.0", "INBOUNDCALLFLOW")
check(consumed.total == 1 and consumed.entities[0].id == module.id and consumed.entities[0].type == "COMMONMODULEFLOW",
      "get_architect_dependencytracking_consumedresources lists the module")
expect_api_exception(400, lambda: arch.get_architect_dependencytracking_consumingresources(module.id, "QUEUE"),
                     "consumingresources with an untracked objectType")
status = arch.get_architect_dependencytracking_build()
check(status.status == "OPERATIONAL", "get_architect_dependencytracking_build is OPERATIONAL")

# Deleting the module while the caller uses it is refused, naming the caller.
body = expect_api_exception(409, lambda: arch.delete_flow(module.id), "delete of a module in use")
check(any(d.get("entityId") == caller.id for d in body.get("details", [])), "the 409 names the calling flow")

"""Architect jobs through the official Python SDK (issue 11): post_flows_jobs, the upload to
the presigned URL (plain HTTP PUT with only the returned headers, no token — the SDK has no
upload call, exactly like the Terraform provider), get_flows_job, post_flows_export_jobs and
get_flows_export_job, then the download without a token.

Run by python_sdk_check.py through its FLOWLINK_SDK_EXTRA hook (see
crates/flowlink-server/tests/official_sdks.rs), with the check's globals: gc, arch, check,
ApiException, expect_api_exception, suffix.
"""

import io
import time
import urllib.error
import urllib.request
import zipfile

MODULE = f"""commonModule:
  name: SDK Module {suffix}
  startUpRef: "/commonModule/tasks/task[Start_10]"
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
          - endTask:
              name: Done
"""

CALLER = f"""inboundCall:
  name: SDK Caller {suffix}
  defaultLanguage: en-us
  startUpRef: "/inboundCall/tasks/task[Start_10]"
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
          - callCommonModule:
              name: Call it
              commonModule:
                SDK Stub {suffix}:
                  ver_latestPublished:
          - disconnect:
              name: Bye
"""


def upload(job, text):
    req = urllib.request.Request(job.presigned_url, data=text.encode(), method="PUT",
                                 headers=dict(job.headers or {}))
    with urllib.request.urlopen(req) as resp:
        return resp.status


def wait_job(job_id):
    for _ in range(100):
        state = arch.get_flows_job(job_id, expand=["messages"])
        if state.status in ("Success", "Failure"):
            return state
        check(state.status in ("Registered", "Started"), f"job status {state.status}")
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def import_file(text, create_stubs=None):
    body = gc.RegisterArchitectJobRequest() if create_stubs is not None else None
    if body is not None:
        body.create_stubs = create_stubs
    job = arch.post_flows_jobs(body=body) if body is not None else arch.post_flows_jobs()
    check(job.id and job.presigned_url and job.headers is not None,
          "post_flows_jobs -> id, presignedUrl, headers")
    check(upload(job, text) == 200, "PUT to the presigned URL -> 200")
    return wait_job(job.id)


state = import_file(MODULE)
check(state.status == "Success" and state.flow and state.flow.id,
      f"get_flows_job -> Success with flow.id ({state.status})")
module_id = state.flow.id
flow = arch.get_flow(module_id)
check(flow.type == "COMMONMODULE" and flow.name == f"SDK Module {suffix}",
      "the imported module is a COMMONMODULE of the file's name")
check(flow.published_version.id == "1.0", "first import publishes 1.0")

broken = import_file("inboundCall:\n  name: Broken\n\tdescription: tab\n")
check(broken.status == "Failure" and broken.messages
      and broken.messages[0].type == "Error" and "line 3" in broken.messages[0].text,
      f"a broken file -> Failure naming line 3 ({broken.messages})")

missing = import_file(CALLER)
check(missing.status == "Failure" and f"SDK Stub {suffix}" in missing.messages[0].text,
      "an unknown module name fails naming it")
stubbed = import_file(CALLER, create_stubs=True)
check(stubbed.status == "Success", "createStubs -> Success")

try:
    upload(arch.post_flows_jobs(), MODULE)  # fresh job: fine
    reused = arch.post_flows_jobs()
    upload(reused, MODULE)
    upload(reused, MODULE)
    check(False, "a second upload to one URL must be refused")
except urllib.error.HTTPError as e:
    check(e.code == 403, f"replayed upload -> 403 ({e.code})")

ref = gc.ArchitectFlowReference()
ref.id = module_id
details = gc.ExportDetails()
details.flow = ref
export_body = gc.RegisterArchitectExportJob()
export_body.flows = [details]
job = arch.post_flows_export_jobs(export_body)
check(job.id and job.total_flows == 1, "post_flows_export_jobs -> id, totalFlows")
state = arch.get_flows_export_job(job.id, expand=["messages"])
check(state.status == "Success" and state.download_url, f"get_flows_export_job -> Success ({state.status})")
with urllib.request.urlopen(state.download_url) as resp:
    check(resp.read().decode() == MODULE, "the download is the imported file, byte for byte")

ref2 = gc.ArchitectFlowReference()
ref2.id = stubbed.flow.id
details2 = gc.ExportDetails()
details2.flow = ref2
export_body.flows = [details, details2]
job = arch.post_flows_export_jobs(export_body)
state = arch.get_flows_export_job(job.id)
with urllib.request.urlopen(state.download_url) as resp:
    names = zipfile.ZipFile(io.BytesIO(resp.read())).namelist()
check(names == [f"SDK_Module_{suffix}-COMMONMODULE-{module_id}.yaml",
                f"SDK_Caller_{suffix}-INBOUNDCALL-{stubbed.flow.id}.yaml"],
      f"several flows -> a zip of <name>-<type>-<id>.yaml ({names})")

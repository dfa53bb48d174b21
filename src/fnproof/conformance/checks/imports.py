"""Checks for S3 import entry points: ObjectCreated:Put events for objects that really exist in a
versioned local bucket, and one job per object version recorded in the store.

S3 sends the object key URL-encoded (a space as `+`, a plus as `%2B`, UTF-8 percent-encoded),
may notify twice for one write, and notifies for objects that can be gone by the time the
function runs. The bucket sits behind a watching proxy, so a check can see whether an object
over the size limit was read whole before it was refused.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, check
from fnproof.conformance.runtimes.base import Environment

S3 = ("s3-import",)
NEEDS = ("s3-events", "effects")
ENVIRONMENTS = 8
OBJECTS = 3


def _statuses(ctx: CheckContext) -> tuple[str, str]:
    jobs = ctx.contract.jobs
    assert jobs is not None
    return jobs.accepted, jobs.rejected


@check("object-imported", profile="seed", kinds=S3, needs=NEEDS)
def object_imported(ctx: CheckContext) -> None:
    """A valid file: the invocation succeeds and exactly one accepted job names the object's version."""
    accepted, _ = _statuses(ctx)
    key = ctx.objects.key(0).replace(" ", "-")  # a key that needs no decoding: this check is about the job
    obj, request, response = ctx.objects.upload(ctx.environment(), key, ctx.objects.file())
    ctx.objects.expect_job(obj, request, response, accepted)


@check("key-decoded", profile="seed", kinds=S3, needs=NEEDS)
def key_decoded(ctx: CheckContext) -> None:
    """Keys with spaces, `+` and non-ASCII letters (URL-encoded in the event): each object is
    found and imported under its real key."""
    accepted, _ = _statuses(ctx)
    env = ctx.environment()
    files = ctx.contract.files
    assert files is not None
    for index in range(len(files.keys)):
        obj, request, response = ctx.objects.upload(env, ctx.objects.key(index), ctx.objects.file(index))
        ctx.objects.expect_job(obj, request, response, accepted, why=f" (key {obj.key!r})")


@check("invalid-file-rejected", profile="seed", kinds=S3, needs=NEEDS)
def invalid_file_rejected(ctx: CheckContext) -> None:
    """Each invalid file gets one job with the rejected status, never an exception."""
    _, rejected = _statuses(ctx)
    env = ctx.environment()
    files = ctx.contract.files
    assert files is not None
    for invalid in files.invalid:
        obj, request, response = ctx.objects.upload(env, ctx.objects.key(0), invalid.text.encode())
        ctx.objects.expect_job(obj, request, response, rejected, why=f" ({invalid.why})")


@check("duplicate-object-event", profile="standard", kinds=S3, needs=[*NEEDS, "environments"])
def duplicate_object_event(ctx: CheckContext) -> None:
    """The same event again (same version), in the same and in a new environment: no second job;
    a new version of the key: a job of its own."""
    accepted, _ = _statuses(ctx)
    env = ctx.environment()
    key = ctx.objects.key(0)
    obj, request, response = ctx.objects.upload(env, key, ctx.objects.file())
    ctx.objects.expect_job(obj, request, response, accepted)
    for target, where in ((env, "the same environment"), (ctx.environment(), "a new environment")):
        again = ctx.send(target, request)
        ctx.objects.expect_job(obj, request, again, accepted, why=f" after the same event reached {where}")
    newer, request, response = ctx.objects.upload(env, key, ctx.objects.file())
    ctx.objects.expect_job(newer, request, response, accepted, why=" (a new version of the same key)")


@check("oversize-rejected-unread", profile="standard", kinds=S3, needs=NEEDS)
def oversize_rejected_unread(ctx: CheckContext) -> None:
    """An object over the size limit gets a rejected job, and is never fetched whole (size first, or a ranged read)."""
    _, rejected = _statuses(ctx)
    files = ctx.contract.files
    assert files is not None
    row = ctx.objects.file().splitlines()[-1] + b"\n"
    content = ctx.objects.file() + row * (files.max_bytes * 4 // len(row) + 1)
    obj, request, response = ctx.objects.upload(ctx.environment(), ctx.objects.key(0), content)
    ctx.objects.expect_job(obj, request, response, rejected,
                           why=f" ({obj.size} bytes, over max_bytes {files.max_bytes})")
    whole = ctx.objects.bucket().whole_reads(obj.key)
    if whole:
        raise CheckFailed(f"the {obj.size}-byte object was fetched whole {whole} time(s) before it was refused",
                          request=request, response=response,
                          expected=f"the size read first (the event's size, or HeadObject's ContentLength), or a "
                                   f"ranged GetObject; max_bytes is {files.max_bytes}")


@check("missing-object-handled", profile="standard", kinds=S3, needs=NEEDS)
def missing_object_handled(ctx: CheckContext) -> None:
    """An event for an object deleted before the function ran: logged, no thrown error or crash, no job."""
    env = ctx.environment()
    obj = ctx.objects.bucket().put(ctx.objects.key(0), ctx.objects.file())
    ctx.objects.bucket().delete(obj)
    request = ctx.objects.notification([obj])
    response = ctx.send(env, request)
    ctx.objects.expect_job(obj, request, response, None, why=" for an object that no longer exists")
    if not any(line.stream != "runtime" for line in response.logs):
        raise CheckFailed("nothing was logged about the missing object", request=request, response=response,
                          expected="a log line naming the key and that it was not found")


@check("concurrent-object-events", profile="production", kinds=S3, needs=[*NEEDS, "environments"])
def concurrent_object_events(ctx: CheckContext) -> None:
    """One notification delivered to 8 warm environments at once, for 3 objects: one job each."""
    accepted, _ = _statuses(ctx)
    envs = [ctx.environment() for _ in range(ENVIRONMENTS)]
    with ThreadPoolExecutor(ENVIRONMENTS) as pool:  # warm: through init and one import of its own
        list(pool.map(lambda env: (env.prepare(), ctx.objects.upload(env, ctx.objects.key(0), ctx.objects.file())),
                      envs))
    for _ in range(OBJECTS):
        obj = ctx.objects.bucket().put(ctx.objects.key(0), ctx.objects.file())
        request = ctx.objects.notification([obj])
        for response in ctx.burst(envs, request):
            ctx.expect_alive(request, response)
        ctx.objects.expect_job(obj, request, response, accepted, why=f" from {ENVIRONMENTS} simultaneous notifications")


def import_traffic(ctx: CheckContext, env: Environment) -> None:
    """A day in the life of an import entry point, for the log checks: valid, invalid, missing."""
    files = ctx.contract.files
    assert files is not None
    ctx.objects.upload(env, ctx.objects.key(1), ctx.objects.file())
    ctx.objects.upload(env, ctx.objects.key(0), files.invalid[0].text.encode())
    gone = ctx.objects.bucket().put(ctx.objects.key(2), ctx.objects.file())
    ctx.objects.bucket().delete(gone)
    ctx.send(env, ctx.objects.notification([gone]))

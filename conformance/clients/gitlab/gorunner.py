"""A runner-API client that speaks as the Go gitlab-runner does (its `network/gitlab.go` and
`common/network.go`): the same request bodies, headers and reactions to GitLab's answers.

- `POST /api/v4/runners` (JSON `RegisterRunnerRequest`: `token`, `description`, `tag_list`
  as a comma-separated string, `run_untagged`, `locked`, `maximum_timeout`, `paused`,
  `access_level`, `info`);
- `POST /api/v4/jobs/request` with `info` (name, version, revision, platform, architecture,
  executor, shell and `features`), `token`, `system_id` and `last_update` (201 with a job,
  204 with `X-GitLab-Last-Update`);
- `PUT /api/v4/jobs/:id` with `state`, `failure_reason`, `exit_code` and `output`
  (`checksum` `crc32:…`, `bytesize`): first `running` right after pickup, then the final
  state;
- `PATCH /api/v4/jobs/:id/trace?debug_trace=false` with `Content-Range: START-END`
  (inclusive), `JOB-TOKEN` and `text/plain`; 202 moves on, 416 resends from the `Range` the
  server gives;
- `Job-Status: canceling` in any reply (with `cancel_gracefully` advertised) stops the script
  and reports `failed`/`job_canceled`; 403 or `Job-Status: canceled`/`failed` aborts the job
  with no further update;
- the job's `runner_info.timeout` bounds the script: past it the job fails with
  `job_execution_timeout`;
- a `prepare_exec` hook runs before the job, as the custom executor's `prepare_exec`: when it
  fails the job fails with `runner_system_failure`;
- artifacts are zipped and uploaded as multipart `file` with `artifact_format`,
  `artifact_type` and `expire_in` in the query.

It runs the shell executor's `bash`; this is a test client, not a runner to deploy.
"""

import io
import os
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
import zlib

import requests

FEATURES_ALL = {
    "variables": True, "image": False, "services": False, "artifacts": True, "cache": False,
    "fallback_cache_keys": False, "shared": False, "upload_multiple_artifacts": True,
    "upload_raw_artifacts": True, "session": False, "terminal": False, "refspecs": True,
    "masking": True, "proxy": False, "raw_variables": True, "artifacts_exclude": True,
    "multi_build_steps": True, "trace_reset": True, "trace_checksum": True,
    "trace_size": True, "vault_secrets": False, "cancelable": True,
    "return_exit_code": True, "service_variables": False, "service_multiple_aliases": False,
    "image_executor_opts": False, "service_executor_opts": False, "cancel_gracefully": True,
    "native_steps_integration": False, "two_phase_job_commit": False, "job_inputs": False,
}


class Canceled(Exception):
    """The server asked the runner to stop the job (`canceling`)."""


class Aborted(Exception):
    """The server will take no more updates for the job (403, `canceled`, `failed`)."""


class GoRunner:
    def __init__(self, url, token=None, cancel_gracefully=True, prepare_exec=None,
                 system_id="s_sockerless01", trace_interval=0.2, update_interval=0.5):
        self.url = url.rstrip("/")
        self.token = token
        self.features = dict(FEATURES_ALL, cancel_gracefully=cancel_gracefully)
        self.prepare_exec = prepare_exec
        self.system_id = system_id
        self.trace_interval = trace_interval
        # How often a job with no new output is reported alive (the Go runner follows the
        # server's `X-GitLab-Trace-Update-Interval`; short here so cells stay fast).
        self.update_interval = update_interval
        self.last_update = ""
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "gitlab-runner 17.5.0 (17-5-stable; go1.22.5; linux/amd64)"
        # What the server said, per job: every `Job-Status` seen, and every reply's code.
        self.job_statuses = {}
        self.replies = {}
        self.payloads = {}

    def info(self):
        return {
            "name": "gitlab-runner", "version": "17.5.0", "revision": "8ec04662",
            "platform": "linux", "architecture": "amd64", "executor": "shell", "shell": "bash",
            "features": self.features, "config": {"gpus": ""},
        }

    def api(self, path):
        return f"{self.url}/api/v4/{path}"

    # Registration ---------------------------------------------------------------------------

    def register(self, registration_token, description="go-runner", tags=(), run_untagged=True,
                 locked=False, maximum_timeout=0, paused=False, access_level="not_protected"):
        """Answers the server's reply; on 201 the runner keeps its authentication token."""
        body = {
            "description": description, "maintenance_note": "", "tag_list": ",".join(tags),
            "run_untagged": run_untagged, "locked": locked, "access_level": access_level,
            "paused": paused, "token": registration_token, "info": self.info(),
        }
        # Go's `omitempty`: an unset maximum timeout is not sent.
        if maximum_timeout:
            body["maximum_timeout"] = maximum_timeout
        reply = self.session.post(self.api("runners"), json=body)
        if reply.status_code == 201:
            self.token = reply.json()["token"]
        return reply

    def verify(self):
        return self.session.post(self.api("runners/verify"),
                                 json={"token": self.token, "system_id": self.system_id})

    # Jobs -----------------------------------------------------------------------------------

    def request_job(self):
        """One `POST /jobs/request`: the job, or None on 204."""
        body = {"info": self.info(), "token": self.token, "system_id": self.system_id,
                "last_update": self.last_update}
        reply = self.session.post(self.api("jobs/request"), json=body)
        if reply.status_code == 204:
            self.last_update = reply.headers.get("X-GitLab-Last-Update", "")
            return None
        if reply.status_code != 201:
            raise AssertionError(f"jobs/request answered {reply.status_code}: {reply.text}")
        job = reply.json()
        self.payloads[job["id"]] = job
        return job

    def _note(self, job, reply):
        status = reply.headers.get("Job-Status", "")
        self.job_statuses.setdefault(job["id"], []).append(status)
        self.replies.setdefault(job["id"], []).append(reply.status_code)
        return status

    def update(self, job, state, trace=b"", failure_reason=None, exit_code=None):
        body = {"info": self.info(), "token": job["token"], "state": state,
                "checksum": "crc32:%08x" % zlib.crc32(trace),
                "output": {"checksum": "crc32:%08x" % zlib.crc32(trace), "bytesize": len(trace)}}
        if failure_reason:
            body["failure_reason"] = failure_reason
        if exit_code is not None:
            body["exit_code"] = exit_code
        reply = self.session.put(self.api(f"jobs/{job['id']}"), json=body)
        status = self._note(job, reply)
        return reply, status

    def patch_trace(self, job, offset, content):
        """Sends `content` at `offset`; answers the offset the server now holds and the job
        status it reported. Raises `Aborted` as the Go runner reacts to 403."""
        if not content:
            return offset, ""
        end = offset + len(content)
        reply = self.session.patch(
            self.api(f"jobs/{job['id']}/trace?debug_trace=false"), data=content,
            headers={"Content-Range": f"{offset}-{end - 1}", "JOB-TOKEN": job["token"],
                     "Content-Type": "text/plain"})
        status = self._note(job, reply)
        if status in ("canceled", "failed") or reply.status_code == 403:
            raise Aborted(f"{reply.status_code} {status}: {reply.text}")
        if reply.status_code == 416:
            # Resend from where the server says the trace ends.
            remote = reply.headers.get("Range", "0-0").split("-")[-1]
            return int(remote), status
        if reply.status_code != 202:
            raise AssertionError(f"trace PATCH answered {reply.status_code}: {reply.text}")
        return end, status

    def upload_artifacts(self, job, files, base_dir, artifact=None):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in files:
                archive.write(os.path.join(base_dir, path), path)
        query = {"artifact_format": "zip", "artifact_type": "archive"}
        if artifact and artifact.get("expire_in"):
            query["expire_in"] = artifact["expire_in"]
        return self.session.post(
            self.api(f"jobs/{job['id']}/artifacts"), params=query,
            headers={"JOB-TOKEN": job["token"]},
            files={"file": ("artifacts.zip", buffer.getvalue(), "application/octet-stream")})

    # Running --------------------------------------------------------------------------------

    def run_one(self, timeout=30):
        """Waits for a job (polling as the Go runner does) and runs it; answers the job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.request_job()
            if job is not None:
                self.run(job)
                return job
        raise AssertionError("no job came")

    def run(self, job):
        trace = Trace(self, job)
        reply, status = self.update(job, "running")
        if status == "canceling":
            self._finish_canceled(job, trace)
            return
        if reply.status_code == 403 or status in ("canceled", "failed"):
            return
        env = self._environment(job)
        workdir = tempfile.mkdtemp(prefix=f"job-{job['id']}-")
        env["CI_PROJECT_DIR"] = workdir
        try:
            trace.write(f"Running with gitlab-runner 17.5.0 (8ec04662)\n  on {job['job_info']['name']}\n")
            if self.prepare_exec is not None:
                prepared = subprocess.run(["bash", "-c", self.prepare_exec], env=env,
                                          capture_output=True)
                trace.write(prepared.stdout.decode() + prepared.stderr.decode())
                if prepared.returncode != 0:
                    trace.write(f"ERROR: Job failed (system failure): prepare environment: exit status {prepared.returncode}\n")
                    trace.flush()
                    self._finish(job, trace, "failed", "runner_system_failure", None)
                    return
            self._fetch_sources(job, workdir, trace)
            timeout = job["runner_info"]["timeout"]
            script = next(step for step in job["steps"] if step["name"] == "script")
            code, timed_out = self._run_script(script["script"], env, workdir, trace,
                                               min(timeout, script["timeout"]))
            after = [step for step in job["steps"] if step["name"] == "after_script"]
            if after:
                self._run_script(after[0]["script"], env, workdir, trace, after[0]["timeout"])
            if timed_out:
                trace.write(f"ERROR: Job failed: execution took longer than {_go_duration(timeout)} seconds\n")
                trace.flush()
                self._finish(job, trace, "failed", "job_execution_timeout", None)
                return
            self._upload(job, workdir, trace, code == 0)
            if code == 0:
                trace.write("Job succeeded\n")
                trace.flush()
                self._finish(job, trace, "success", None, None)
            else:
                trace.write(f"ERROR: Job failed: exit code {code}\n")
                trace.flush()
                self._finish(job, trace, "failed", "script_failure", code)
        except Canceled:
            self._finish_canceled(job, trace)
        except Aborted:
            pass

    def _finish_canceled(self, job, trace):
        trace.pending += b"ERROR: Job failed: canceled\n"
        try:
            trace.flush()
        except (Canceled, Aborted):
            pass
        self._finish(job, trace, "failed", "job_canceled", None)

    def _finish(self, job, trace, state, reason, code):
        # The Go runner repeats the final update until it is accepted (200).
        for _ in range(50):
            reply, status = self.update(job, state, trace.sent, reason, code)
            if reply.status_code != 202:
                return reply
            time.sleep(0.1)
        raise AssertionError("final update never accepted")

    def _environment(self, job):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
        for name in ("SCRATCH", "TMPDIR"):
            if name in os.environ:
                env[name] = os.environ[name]
        for variable in job["variables"]:
            value = variable["value"]
            if variable.get("file"):
                handle = tempfile.NamedTemporaryFile("w", delete=False, prefix="var-")
                handle.write(value)
                handle.close()
                value = handle.name
            env[variable["key"]] = value
        return env

    def _fetch_sources(self, job, workdir, trace):
        git = job["git_info"]
        trace.write(f"Fetching changes with git depth set to {git['depth']}...\n")
        commands = [["git", "init", "-q", workdir],
                    ["git", "-C", workdir, "fetch", "-q", git["repo_url"], *git["refspecs"]]
                    + (["--depth", str(git["depth"])] if git["depth"] else []),
                    ["git", "-C", workdir, "checkout", "-q", git["sha"]]]
        for command in commands:
            done = subprocess.run(command, capture_output=True,
                                  env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
            if done.returncode != 0:
                raise AssertionError(f"{command} failed: {done.stderr.decode()}")
        trace.write(f"Checking out {git['sha'][:8]} as detached HEAD (ref is {git['ref']})...\n")

    def _run_script(self, lines, env, workdir, trace, timeout):
        """Runs the step's lines in one bash; answers (exit code, timed out?)."""
        text = "set -eo pipefail\n" + "".join(
            f"printf '%s\\n' {_quote('$ ' + line)}\n{line}\n" for line in lines)
        process = subprocess.Popen(["bash", "-c", text], cwd=workdir, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        reader = threading.Thread(target=_pump, args=(process.stdout, trace), daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None:
                if time.monotonic() > deadline:
                    _kill(process)
                    reader.join()
                    return None, True
                time.sleep(self.trace_interval)
                if not trace.flush():
                    trace.touch()
        except (Canceled, Aborted):
            _kill(process)
            raise
        reader.join()
        trace.flush()
        return process.returncode, False

    def _upload(self, job, workdir, trace, succeeded):
        for artifact in job.get("artifacts") or []:
            if artifact.get("artifact_type") != "archive":
                continue
            when = artifact.get("when", "on_success")
            if (when == "on_success" and not succeeded) or (when == "on_failure" and succeeded):
                continue
            files = []
            for pattern in artifact.get("paths") or []:
                root = os.path.join(workdir, pattern)
                if os.path.isdir(root):
                    for base, _, names in os.walk(root):
                        files += [os.path.relpath(os.path.join(base, n), workdir) for n in names]
                elif os.path.exists(root):
                    files.append(pattern)
            if files:
                reply = self.upload_artifacts(job, files, workdir, artifact)
                trace.write(f"Uploading artifacts to coordinator... {reply.status_code}\n")


class Trace:
    """The job log: written locally, sent incrementally from the offset the server holds."""

    def __init__(self, runner, job):
        self.runner = runner
        self.job = job
        self.sent = b""
        self.pending = b""
        self.lock = threading.Lock()
        self.last_contact = time.monotonic()

    def write(self, text):
        with self.lock:
            self.pending += text.encode() if isinstance(text, str) else text

    def touch(self):
        """With nothing new to send, the Go runner still tells GitLab the job is alive
        (`PUT state=running`) once per update interval, and learns of a cancel that way."""
        if time.monotonic() - self.last_contact < self.runner.update_interval:
            return
        self.last_contact = time.monotonic()
        reply, status = self.runner.update(self.job, "running", self.sent)
        if status in ("canceled", "failed") or reply.status_code == 403:
            raise Aborted(f"{reply.status_code} {status}")
        if status == "canceling":
            raise Canceled()

    def flush(self):
        """Sends what is pending; answers whether there was anything to send."""
        with self.lock:
            content, self.pending = self.pending, b""
        if not content:
            return False
        self.last_contact = time.monotonic()
        whole = self.sent + content
        offset = len(self.sent)
        canceling = False
        while offset < len(whole):
            offset, status = self.runner.patch_trace(self.job, offset, whole[offset:])
            canceling |= status == "canceling"
        self.sent = whole
        if canceling:
            raise Canceled()
        return True


def _pump(stream, trace):
    for line in iter(stream.readline, b""):
        trace.write(line)


def _kill(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _go_duration(seconds):
    """Seconds as Go's time.Duration prints them: 2s, 10m0s, 1h0m0s."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _quote(line):
    return "'" + line.replace("'", "'\\''") + "'"

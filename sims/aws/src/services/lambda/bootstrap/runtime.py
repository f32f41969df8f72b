"""Sockerless's runtime client for Lambda's python3.x runtimes: imports the function's handler
(`_HANDLER`, `module.function`) from LAMBDA_TASK_ROOT, then loops on the Lambda Runtime API
(AWS_LAMBDA_RUNTIME_API) until the environment is stopped, reporting results and errors in the
documents AWS's own Python runtime writes. After each invocation it prints a mark line on
stdout and stderr (_SOCKERLESS_LOG_MARK) so the simulator knows the invocation's output has
been read. Written for Sockerless; only the standard library."""
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", ".")
MARK = os.environ.get("_SOCKERLESS_LOG_MARK", "")
PREFIX = "/2018-06-01/runtime"

connection = http.client.HTTPConnection(API)


def request(method, path, body=None, headers=None):
    global connection
    for attempt in (1, 2):
        try:
            connection.request(method, PREFIX + path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        except (http.client.HTTPException, ConnectionError):
            if attempt == 2:
                raise
            connection = http.client.HTTPConnection(API)


def error_document(error, request_id, frames=None):
    frames = traceback.extract_tb(error.__traceback__) if frames is None else frames
    document = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }
    return document


def log_error(document):
    lines = [f"[ERROR] {document['errorType']}: {document['errorMessage']}", "Traceback (most recent call last):"]
    lines.extend(line.rstrip("\n") for line in document["stackTrace"])
    print("\n".join(lines), flush=True)


def mark(request_id):
    if MARK:
        print(f"{MARK} {request_id}", flush=True)
        print(f"{MARK} {request_id}", file=sys.stderr, flush=True)


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))
        self.identity = None
        context = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = json.loads(context) if context else None

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def init_error(error_type, message):
    document = {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": []}
    print(f"[ERROR] {error_type}: {message}", flush=True)
    request("POST", "/init/error", json.dumps(document).encode(), {"Lambda-Runtime-Function-Error-Type": error_type})
    sys.exit(1)


def load_handler():
    sys.path.insert(0, TASK_ROOT)
    os.chdir(TASK_ROOT)
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        init_error("Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        init_error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}")
    except SyntaxError as error:
        init_error("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}")
    except Exception as error:  # noqa: BLE001 - any failure at import is an init error
        document = error_document(error, "")
        log_error(document)
        request("POST", "/init/error", json.dumps(document).encode(), {"Lambda-Runtime-Function-Error-Type": "Runtime.Unknown"})
        sys.exit(1)
    handler = getattr(module, function_name, None)
    if handler is None:
        init_error("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


def main():
    handler = load_handler()
    while True:
        response, body = request("GET", "/invocation/next")
        # Header names arrive in lower case; HTTP says they are case-insensitive.
        headers = {name.title(): value for name, value in response.getheaders()}
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        try:
            event = json.loads(body) if body else None
            result = handler(event, Context(headers))
            payload = json.dumps(result).encode()
        except Exception as error:  # noqa: BLE001 - the handler's failure is the invocation's
            frames = traceback.extract_tb(error.__traceback__)[1:]
            document = error_document(error, request_id, frames)
            log_error(document)
            mark(request_id)
            request("POST", f"/invocation/{request_id}/error", json.dumps(document).encode(),
                    {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        mark(request_id)
        request("POST", f"/invocation/{request_id}/response", payload)


if __name__ == "__main__":
    main()

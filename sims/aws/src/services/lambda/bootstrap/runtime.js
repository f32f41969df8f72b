// Sockerless's runtime client for Lambda's nodejs runtimes: loads the function's handler
// (_HANDLER, `file.export`) from LAMBDA_TASK_ROOT, then loops on the Lambda Runtime API
// (AWS_LAMBDA_RUNTIME_API), reporting results and errors in the documents AWS's own Node
// runtime writes. Handlers may be async, return a promise, or take a callback. After each
// invocation it writes a mark line on stdout and stderr (_SOCKERLESS_LOG_MARK) so the simulator
// knows the invocation's output has been read. Written for Sockerless; only Node's own modules.
"use strict";
const http = require("http");
const path = require("path");
const fs = require("fs");
const url = require("url");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || ".";
const MARK = process.env._SOCKERLESS_LOG_MARK || "";
const PREFIX = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path: PREFIX + route, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function errorDocument(error) {
  const isError = error instanceof Error;
  return {
    errorType: isError ? error.name : typeof error === "string" ? "string" : "Error",
    errorMessage: isError ? error.message : String(error),
    trace: isError && error.stack ? error.stack.split("\n") : [],
  };
}

function mark(requestId) {
  if (!MARK) return;
  process.stdout.write(`${MARK} ${requestId}\n`);
  process.stderr.write(`${MARK} ${requestId}\n`);
}

async function initError(errorType, message) {
  const document = { errorType, errorMessage: message, trace: [] };
  console.error(`${new Date().toISOString()}\tundefined\tERROR\t${JSON.stringify(document)}`);
  await request("POST", "/init/error", JSON.stringify(document), { "Lambda-Runtime-Function-Error-Type": errorType });
  process.exit(1);
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot < 0) return initError("Runtime.MalformedHandlerName", `Bad handler ${spec}`);
  const file = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const base = path.resolve(TASK_ROOT, file);
  const candidates = [".js", ".mjs", ".cjs"].map((ext) => base + ext).filter((p) => fs.existsSync(p));
  if (candidates.length === 0) {
    return initError("Runtime.ImportModuleError", `Error: Cannot find module '${file}'\nRequire stack:\n- ${__filename}`);
  }
  let module;
  try {
    module = candidates[0].endsWith(".mjs")
      ? await import(url.pathToFileURL(candidates[0]).href)
      : require(candidates[0]);
  } catch (error) {
    if (error && error.code === "ERR_REQUIRE_ESM") {
      module = await import(url.pathToFileURL(candidates[0]).href);
    } else {
      const document = errorDocument(error);
      await request("POST", "/init/error", JSON.stringify(document), { "Lambda-Runtime-Function-Error-Type": "Runtime.UserCodeSyntaxError" });
      process.exit(1);
    }
  }
  const handler = module[name] || (module.default && module.default[name]);
  if (typeof handler !== "function") {
    return initError("Runtime.HandlerNotFound", `${file}.${name} is undefined or not exported`);
  }
  return handler;
}

function context(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"] || 0);
  const clientContext = headers["lambda-runtime-client-context"];
  return {
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: clientContext ? JSON.parse(clientContext) : undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function invokeHandler(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, ctx, callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

async function main() {
  const handler = await loadHandler();
  for (;;) {
    const next = await request("GET", "/invocation/next");
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString()) : undefined;
      const result = await invokeHandler(handler, event, context(next.headers));
      const payload = result === undefined ? "null" : JSON.stringify(result);
      mark(requestId);
      await request("POST", `/invocation/${requestId}/response`, payload);
    } catch (error) {
      const document = errorDocument(error);
      console.error(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(document)}`);
      mark(requestId);
      await request("POST", `/invocation/${requestId}/error`, JSON.stringify(document), { "Lambda-Runtime-Function-Error-Type": "Unhandled" });
    }
  }
}

main();

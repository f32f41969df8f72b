"""ARM's protocol as a raw HTTP client sees it (python's http.client over TLS with the
simulator's CA): api-version required and checked against the specifications (exact codes and
messages), bearer tokens required and verified, malformed bodies refused, ARM's request and
correlation headers, case-insensitive paths, HEAD, the async delete's 202 + Location polled to
completion, /metadata/endpoints in both forms, and the OpenID configuration a client discovers."""
import http.client
import json
import ssl
import urllib.parse

from common import SUBSCRIPTION, TENANT, URL, check, credential, unique

parsed = urllib.parse.urlparse(URL)
context = ssl.create_default_context()
token = credential("protocol-app", "protocol-secret").get_token("https://management.core.windows.net//.default").token


def call(method, path, body=None, headers=None, auth=True):
    connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context)
    all_headers = {"Content-Type": "application/json"}
    if auth:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers or {})
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    raw = response.read()
    payload = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else None
    connection.close()
    return response.status, dict((k.lower(), v) for k, v in response.getheaders()), payload


def expect_error(result, status, code, message=None):
    got_status, _, body = result
    check(got_status == status, f"expected {status} {code}, got {got_status}: {body}")
    check(body and body["error"]["code"] == code, f"expected {code}: {body}")
    if message is not None:
        check(body["error"]["message"] == message, f"message: {body['error']['message']!r}")


groups = f"/subscriptions/{SUBSCRIPTION}/resourcegroups"
expect_error(call("GET", groups), 400, "MissingApiVersionParameter",
             "The api-version query parameter (?api-version=) is required for all requests.")
status, _, body = call("GET", f"{groups}?api-version=2099-01-01")
expect_error((status, _, body), 400, "InvalidApiVersionParameter")
message = body["error"]["message"]
check(message.startswith("The api-version '2099-01-01' is invalid. The supported versions are '"), message)
check("2022-09-01" in message and "2024-11-01" in message and "The supported locations are ', " in message, message)

expect_error(call("GET", f"{groups}?api-version=2022-09-01", auth=False), 401, "AuthenticationFailed",
             "Authentication failed. The 'Authorization' header is missing.")
forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
expect_error(call("GET", f"{groups}?api-version=2022-09-01", headers={"Authorization": f"Bearer {forged}"}),
             401, "InvalidAuthenticationToken", "The access token is invalid.")
expect_error(call("GET", f"/subscriptions/not-a-guid/resourcegroups?api-version=2022-09-01"), 400,
             "InvalidSubscriptionId", "The provided subscription identifier 'not-a-guid' is malformed or invalid.")
other = "00000000-1111-2222-3333-444444444444"
expect_error(call("GET", f"/subscriptions/{other}/resourcegroups?api-version=2022-09-01"), 404,
             "SubscriptionNotFound", f"The subscription '{other}' could not be found.")

name = unique("Proto")
expect_error(call("PUT", f"{groups}/{name}?api-version=2022-09-01", body=b"{not json"), 400, "InvalidRequestContent")
expect_error(call("PUT", f"{groups}/{name}?api-version=2022-09-01", body={"tags": {}}), 400, "LocationRequired",
             "The location property is required for this definition.")
status, headers, created = call("PUT", f"{groups}/{name}?api-version=2022-09-01", body={"location": "northeurope"},
                                headers={"x-ms-correlation-request-id": "corr-123"})
check(status == 201, f"create: {status} {created}")
check(headers.get("x-ms-correlation-request-id") == "corr-123", f"correlation echoed: {headers}")
check(headers.get("x-ms-request-id"), "a request id")
status, _, again = call("PUT", f"/SUBSCRIPTIONS/{SUBSCRIPTION}/RESOURCEGROUPS/{name.lower()}?api-version=2022-09-01",
                        body={"location": "northeurope", "tags": {"k": "v"}})
check(status == 200 and again["name"] == name and again["tags"] == {"k": "v"}, f"update: {status} {again}")
check(call("HEAD", f"{groups}/{name}?api-version=2022-09-01")[0] == 204, "HEAD of a group")
check(call("HEAD", f"{groups}/{unique('none')}?api-version=2022-09-01")[0] == 404, "HEAD of no group")

status, headers, _ = call("DELETE", f"{groups}/{name}?api-version=2022-09-01")
check(status == 202 and "location" in headers and headers.get("retry-after"), f"delete: {status} {headers}")
location = urllib.parse.urlparse(headers["location"])
check(f"/subscriptions/{SUBSCRIPTION}/operationresults/" in location.path, f"location: {headers['location']}")
for _ in range(100):
    status, _, _ = call("GET", f"{location.path}?{location.query}")
    if status != 202:
        break
check(status == 200, f"operation result: {status}")
expect_error(call("GET", f"{groups}/{name}?api-version=2022-09-01"), 404, "ResourceGroupNotFound",
             f"Resource group '{name}' could not be found.")
check(call("DELETE", f"{groups}/{name}?api-version=2022-09-01")[0] == 204, "deleting no group is 204")

status, _, cloud = call("GET", "/metadata/endpoints?api-version=2022-09-01", auth=False)
check(status == 200 and cloud["resourceManager"] == URL + "/", f"metadata object: {cloud}")
check(cloud["authentication"]["loginEndpoint"] == URL + "/", f"login endpoint: {cloud['authentication']}")
status, _, clouds = call("GET", "/metadata/endpoints?api-version=2019-05-01", auth=False)
check(status == 200 and isinstance(clouds, list) and clouds[0]["resourceManager"] == URL + "/", f"array: {clouds}")

status, _, openid = call("GET", f"/{TENANT}/v2.0/.well-known/openid-configuration", auth=False)
check(openid["token_endpoint"] == f"{URL}/{TENANT}/oauth2/v2.0/token", f"openid: {openid}")
status, _, keys = call("GET", f"/{TENANT}/discovery/v2.0/keys", auth=False)
check(keys["keys"][0]["kty"] == "EC" and keys["keys"][0]["alg"] == "ES256", f"jwks: {keys}")
status, _, bad = call("GET", "/00000000-0000-0000-0000-00000000dead/v2.0/.well-known/openid-configuration", auth=False)
check(status == 400 and bad["error"] == "invalid_tenant" and "AADSTS90002" in bad["error_description"], f"bad tenant: {bad}")
print("ok")

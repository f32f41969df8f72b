"""AssumeRoleWithWebIdentity against a real OIDC issuer: this script serves one over HTTPS on
127.0.0.1 (a self-signed certificate whose SHA-1 thumbprint is registered with the provider, a
discovery document and a JWK set) and signs tokens with its RSA key. A valid token buys a role
session that GetCallerIdentity names; a wrong audience, a foreign signature, an expired token, an
unknown issuer, a subject the trust policy does not accept and an unregistered certificate are
each refused with STS's code and message. Also: OIDC and SAML provider management, and SAML
assertions refused as unverifiable."""
import base64
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import ssl
import tempfile
import threading
import time

import boto3
import botocore.config
import botocore.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from common import check, client, done, fail, unique

ACCOUNT = "123456789012"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def number(value):
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
now = datetime.datetime.now(datetime.timezone.utc)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
               .sign(key, hashes.SHA256()))
thumbprint = hashlib.sha1(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
directory = tempfile.mkdtemp()
cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
with open(cert_path, "wb") as out:
    out.write(certificate.public_bytes(serialization.Encoding.PEM))
with open(key_path, "wb") as out:
    out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

numbers = key.public_key().public_numbers()
JWKS = {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": number(numbers.n), "e": number(numbers.e)}]}
served = {"paths": []}


class Issuer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        served["paths"].append(self.path)
        if self.path == "/.well-known/openid-configuration":
            body = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/keys", "id_token_signing_alg_values_supported": ["RS256"]}
        elif self.path == "/keys":
            body = JWKS
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert_path, key_path)
server.socket = context.wrap_socket(server.socket, server_side=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
HOST = f"127.0.0.1:{server.server_address[1]}"
ISSUER = f"https://{HOST}"


def token(signing_key=key, **claims):
    header = {"alg": "RS256", "kid": "k1", "typ": "JWT"}
    body = {"iss": ISSUER, "aud": "sts.amazonaws.com", "sub": "repo:me/app:ref:refs/heads/main",
            "iat": int(time.time()), "exp": int(time.time()) + 600}
    body.update(claims)
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(body).encode())}"
    signature = signing_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


iam = client("iam")
sts = client("sts")

# The provider: registered with its client ID and thumbprint, read back as written.
provider_arn = iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"],
                                                   ThumbprintList=[thumbprint], Tags=[{"Key": "team", "Value": "ci"}])["OpenIDConnectProviderArn"]
check(provider_arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}", f"provider ARN {provider_arn}")
got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
check(got["Url"] == HOST and got["ClientIDList"] == ["sts.amazonaws.com"] and got["ThumbprintList"] == [thumbprint],
      f"provider reads back: {got}")
check(got["Tags"] == [{"Key": "team", "Value": "ci"}], f"tags: {got['Tags']}")
try:
    iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["x"], ThumbprintList=[thumbprint])
    fail("a second provider for the same URL was accepted")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "EntityAlreadyExists", f"duplicate: {error.response['Error']}")
    check(error.response["Error"]["Message"] == f"Provider with url {ISSUER} already exists.", error.response["Error"]["Message"])
iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, ClientID="extra")
iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, ClientID="extra")
check(iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)["ClientIDList"] == ["sts.amazonaws.com", "extra"], "client IDs added once")
iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, ClientID="extra")
check(provider_arn in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]], "listed")

role_name = unique("ci-deployer")
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"},
                  "StringLike": {f"{HOST}:sub": "repo:me/app:*"}}}]}
role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
anonymous = boto3.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                         config=botocore.config.Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1, "mode": "standard"}))

answer = anonymous.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="build-42", WebIdentityToken=token())
check(answer["SubjectFromWebIdentityToken"] == "repo:me/app:ref:refs/heads/main", f"subject: {answer}")
check(answer["Audience"] == "sts.amazonaws.com" and answer["Provider"] == ISSUER, f"audience and provider: {answer}")
check(answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/build-42", f"{answer['AssumedRoleUser']}")
check({"/.well-known/openid-configuration", "/keys"} <= set(served["paths"]), f"the simulator fetched the keys: {served['paths']}")
credentials = answer["Credentials"]
session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"], region_name="us-east-1")
identity = session.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).get_caller_identity()
check(identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/build-42", f"caller identity names the session: {identity}")


def refused(code, message, web_token, arn=role_arn):
    try:
        anonymous.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="refused", WebIdentityToken=web_token)
    except botocore.exceptions.ClientError as error:
        got = (error.response["Error"]["Code"], error.response["Error"]["Message"])
        check(got[0] == code and (message is None or got[1] == message), f"expected {code} {message!r}, got {got}")
        return
    fail(f"a token was accepted, expected {code}")


refused("InvalidIdentityToken", "Incorrect token audience", token(aud="someone-else"))
refused("InvalidIdentityToken", None, token(signing_key=other_key))
refused("ExpiredTokenException", None, token(exp=int(time.time()) - 60))
refused("InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://issuer.invalid",
        token(iss="https://issuer.invalid"))
refused("InvalidIdentityToken", "The ID token provided is not a valid JWT. (You may see this error if you sent an Access Token)", "not.a.jwt")
refused("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", token(sub="repo:intruder/app:ref:refs/heads/main"))
# A certificate whose thumbprint is not registered cannot vouch for the keys.
iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=provider_arn, ThumbprintList=["0" * 40])
refused("InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements", token())
iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=provider_arn, ThumbprintList=[thumbprint])
anonymous.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="again", WebIdentityToken=token())

iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)  # idempotent, as IAM documents
try:
    iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    fail("a deleted provider was found")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "NoSuchEntity", f"deleted: {error.response['Error']}")

# SAML providers: metadata in, read back; assertions cannot be verified, so they are refused.
certificate_text = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
metadata = f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.test/metadata" validUntil="2049-01-01T00:00:00Z">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{certificate_text}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""
saml_name = unique("idp")
saml_arn = iam.create_saml_provider(Name=saml_name, SAMLMetadataDocument=metadata)["SAMLProviderArn"]
check(saml_arn == f"arn:aws:iam::{ACCOUNT}:saml-provider/{saml_name}", saml_arn)
saml = iam.get_saml_provider(SAMLProviderArn=saml_arn)
check(saml["SAMLMetadataDocument"] == metadata, "metadata reads back as written")
check(saml["ValidUntil"].year == 2049, f"validUntil from the metadata: {saml['ValidUntil']}")
check(saml_arn in [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]], "SAML provider listed")
try:
    iam.create_saml_provider(Name=unique("bad"), SAMLMetadataDocument="<notmetadata/>" + " " * 1000)
    fail("metadata without an IdP was accepted")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "InvalidInput", f"bad metadata: {error.response['Error']}")
assertion = base64.b64encode(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>').decode()
try:
    anonymous.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=saml_arn, SAMLAssertion=assertion)
    fail("an unverifiable SAML assertion was accepted")
except botocore.exceptions.ClientError as error:
    check((error.response["Error"]["Code"], error.response["Error"]["Message"]) == ("InvalidIdentityToken", "Response signature invalid"),
          f"SAML: {error.response['Error']}")
iam.delete_saml_provider(SAMLProviderArn=saml_arn)
server.shutdown()
done("web identity")

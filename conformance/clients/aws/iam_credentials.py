"""IAM credentials through boto3: access keys (two per user, status, last use), login profiles
checked against the password policy, virtual MFA devices enabled with real TOTP codes computed
here from the seed IAM returns, SSH public keys (fingerprints computed here and compared),
signing and server certificates made here with `cryptography` (a mismatched key and a wrong
chain refused), and service-specific credentials."""
import base64
import datetime
import hashlib
import hmac
import struct
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from common import check, client, done, unique
from iam_helpers import ACCOUNT, every_page, expect

iam = client("iam")
run = unique("iam-cred")
user = f"{run}-user"
iam.create_user(UserName=user)

# --- Access keys. ------------------------------------------------------------------------------
first = iam.create_access_key(UserName=user)["AccessKey"]
check(first["AccessKeyId"].startswith("AKIA") and len(first["AccessKeyId"]) == 20, f"key ID: {first}")
check(len(first["SecretAccessKey"]) == 40 and first["Status"] == "Active", f"secret and status: {first}")
second = iam.create_access_key(UserName=user)["AccessKey"]
expect("LimitExceeded", iam.create_access_key, "Cannot exceed quota for AccessKeysPerUser: 2", 409, UserName=user)
iam.update_access_key(UserName=user, AccessKeyId=first["AccessKeyId"], Status="Inactive")
listed = {k["AccessKeyId"]: k["Status"] for k in every_page(iam.list_access_keys, "AccessKeyMetadata", UserName=user)}
check(listed == {first["AccessKeyId"]: "Inactive", second["AccessKeyId"]: "Active"}, f"statuses read back: {listed}")
unused = iam.get_access_key_last_used(AccessKeyId=second["AccessKeyId"])
check(unused["UserName"] == user and unused["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}, f"never used: {unused}")
expect("NoSuchEntity", iam.update_access_key, "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.", 404, UserName=user, AccessKeyId="AKIAIOSFODNN7EXAMPLE", Status="Active")
expect("AccessDenied", iam.get_access_key_last_used, None, 403, AccessKeyId="AKIAIOSFODNN7EXAMPLE")

# Calls signed with the user's own key act as the user: GetUser and ListAccessKeys without a
# name answer for it, ChangePassword changes its password, and the key's use is recorded.
as_user = client("iam", aws_access_key_id=second["AccessKeyId"], aws_secret_access_key=second["SecretAccessKey"])
check(as_user.get_user()["User"]["UserName"] == user, "GetUser without a name answers the caller")
check({k["AccessKeyId"] for k in as_user.list_access_keys()["AccessKeyMetadata"]} == {first["AccessKeyId"], second["AccessKeyId"]}, "ListAccessKeys without a name")
used = iam.get_access_key_last_used(AccessKeyId=second["AccessKeyId"])["AccessKeyLastUsed"]
check((used["ServiceName"], used["Region"]) == ("iam", "us-east-1") and "LastUsedDate" in used, f"last use recorded: {used}")
iam.create_login_profile(UserName=user, Password="Sockerless-old-1!")
as_user.change_password(OldPassword="Sockerless-old-1!", NewPassword="Sockerless-new-2!")
expect("AccessDenied", as_user.change_password, None, 403, OldPassword="Sockerless-old-1!", NewPassword="Sockerless-new-3!")
iam.delete_login_profile(UserName=user)
for key in (first, second):
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])

# --- Login profiles and the password policy. ---------------------------------------------------
expect("PasswordPolicyViolation", iam.create_login_profile, "Password should have a minimum length of 8 ", 400, UserName=user, Password="Ab1!")
expect("PasswordPolicyViolation", iam.create_login_profile, "Password should meet 1 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one symbol", 400, UserName=user, Password="abcdefg1")
iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, MaxPasswordAge=30)
policy = iam.get_account_password_policy()["PasswordPolicy"]
check(policy["MinimumPasswordLength"] == 12 and policy["ExpirePasswords"] and policy["MaxPasswordAge"] == 30, f"policy read back: {policy}")
expect("PasswordPolicyViolation", iam.create_login_profile, "Password should have a minimum length of 12, Password should have at least one symbol", 400, UserName=user, Password="short1")
profile = iam.create_login_profile(UserName=user, Password="long-enough-1!", PasswordResetRequired=True)["LoginProfile"]
check(profile["UserName"] == user and profile["PasswordResetRequired"] is True, f"profile: {profile}")
expect("EntityAlreadyExists", iam.create_login_profile, f"Login Profile for user {user} already exists.", 409, UserName=user, Password="long-enough-1!")
iam.update_login_profile(UserName=user, PasswordResetRequired=False)
check(iam.get_login_profile(UserName=user)["LoginProfile"]["PasswordResetRequired"] is False, "update read back")
iam.delete_login_profile(UserName=user)
expect("NoSuchEntity", iam.get_login_profile, f"Login Profile for User {user} cannot be found.", 404, UserName=user)
iam.delete_account_password_policy()
expect("NoSuchEntity", iam.get_account_password_policy, f"The Password Policy with domain name {ACCOUNT} cannot be found.", 404)

# --- Virtual MFA with real TOTP codes. ---------------------------------------------------------
def totp(seed, step):
    """RFC 6238, as authenticator apps compute it."""
    secret = base64.b32decode(seed + "=" * (-len(seed) % 8))
    digest = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{run}-mfa")["VirtualMFADevice"]
serial = device["SerialNumber"]
check(serial == f"arn:aws:iam::{ACCOUNT}:mfa/{run}-mfa", f"serial: {serial}")
check(device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n"), "the QR code is a PNG")
seed = device["Base32StringSeed"].decode()
expect("EntityAlreadyExists", iam.create_virtual_mfa_device, "MFA device already exists.", 409, VirtualMFADeviceName=f"{run}-mfa")
now = int(time.time()) // 30
expect("InvalidAuthenticationCode", iam.enable_mfa_device, "Authentication code for device is not valid.", 403, UserName=user, SerialNumber=serial, AuthenticationCode1=totp(seed, now), AuthenticationCode2=totp(seed, now + 2))
iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=totp(seed, now - 1), AuthenticationCode2=totp(seed, now))
mfa = iam.list_mfa_devices(UserName=user)["MFADevices"]
check([d["SerialNumber"] for d in mfa] == [serial] and isinstance(mfa[0]["EnableDate"], datetime.datetime), f"ListMFADevices: {mfa}")
assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
check([(d["SerialNumber"], d["User"]["UserName"]) for d in assigned] == [(serial, user)], f"assigned: {assigned}")
iam.resync_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=totp(seed, now + 1), AuthenticationCode2=totp(seed, now + 2))
expect("EntityAlreadyExists", iam.enable_mfa_device, "MFA Device is already in use.", 409, UserName=user, SerialNumber=serial, AuthenticationCode1=totp(seed, now), AuthenticationCode2=totp(seed, now + 1))
expect("DeleteConflict", iam.delete_user, "Cannot delete entity, must delete MFA device first.", 409, UserName=user)
iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "k", "Value": "v"}])
check(iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "k", "Value": "v"}], "MFA tags")
iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
check(iam.list_mfa_devices(UserName=user)["MFADevices"] == [], "deactivated")
iam.delete_virtual_mfa_device(SerialNumber=serial)
expect("NoSuchEntity", iam.delete_virtual_mfa_device, f"MFA Device with serial number {serial} does not exist.", 404, SerialNumber=serial)

# --- SSH public keys: the fingerprint is MD5 of the key's ssh-rsa form. -------------------------
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
openssh = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
fingerprint = ":".join(f"{b:02x}" for b in hashlib.md5(base64.b64decode(openssh.split()[1])).digest())
uploaded = iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=openssh)["SSHPublicKey"]
check(uploaded["Fingerprint"] == fingerprint and uploaded["SSHPublicKeyId"].startswith("APKA"), f"uploaded: {uploaded}")
pem = iam.get_ssh_public_key(UserName=user, SSHPublicKeyId=uploaded["SSHPublicKeyId"], Encoding="PEM")["SSHPublicKey"]["SSHPublicKeyBody"]
check(serialization.load_pem_public_key(pem.encode()).public_numbers() == key.public_key().public_numbers(), "the PEM encoding is the same key")
small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
expect("InvalidPublicKey", iam.upload_ssh_public_key, None, 400, UserName=user, SSHPublicKeyBody=small)
expect("UnrecognizedPublicKeyEncoding", iam.upload_ssh_public_key, None, 400, UserName=user, SSHPublicKeyBody="not a key")
iam.update_ssh_public_key(UserName=user, SSHPublicKeyId=uploaded["SSHPublicKeyId"], Status="Inactive")
check([k["Status"] for k in iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]] == ["Inactive"], "SSH key status")
expect("DeleteConflict", iam.delete_user, "Cannot delete entity, must remove referenced objects first.", 409, UserName=user)
iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=uploaded["SSHPublicKeyId"])
expect("NoSuchEntity", iam.get_ssh_public_key, "The Public Key with id APKAXXXXXXXXXXXXXXXXX cannot be found.", 404, UserName=user, SSHPublicKeyId="APKAXXXXXXXXXXXXXXXXX", Encoding="SSH")


# --- Certificates made here. ---------------------------------------------------------------------
def certificate(subject, private_key, issuer=None, issuer_key=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365))
        .sign(issuer_key or private_key, hashes.SHA256())
    )
    return built, built.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(private_key):
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()).decode()


_, signing_pem = certificate(f"{run}-signing", key)
signing = iam.upload_signing_certificate(UserName=user, CertificateBody=signing_pem)["Certificate"]
check(signing["Status"] == "Active" and signing["CertificateBody"] == signing_pem, f"signing certificate: {signing}")
expect("MalformedCertificate", iam.upload_signing_certificate, "Certificate invalid-certificate-body is malformed.", 400, UserName=user, CertificateBody="invalid-certificate-body")
iam.update_signing_certificate(UserName=user, CertificateId=signing["CertificateId"], Status="Inactive")
check([c["Status"] for c in iam.list_signing_certificates(UserName=user)["Certificates"]] == ["Inactive"], "certificate status")
iam.delete_signing_certificate(UserName=user, CertificateId=signing["CertificateId"])

ca_key = ec.generate_private_key(ec.SECP256R1())
ca, ca_pem = certificate(f"{run}-ca", ca_key)
leaf_key = ec.generate_private_key(ec.SECP256R1())
leaf, leaf_pem = certificate(f"{run}.example", leaf_key, issuer=ca.subject, issuer_key=ca_key)
name = f"{run}-server"
uploaded = iam.upload_server_certificate(ServerCertificateName=name, Path="/cdn/", CertificateBody=leaf_pem, PrivateKey=key_pem(leaf_key), CertificateChain=ca_pem)
meta = uploaded["ServerCertificateMetadata"]
check(meta["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/cdn/{name}" and meta["ServerCertificateId"].startswith("ASCA"), f"metadata: {meta}")
check(meta["Expiration"] == leaf.not_valid_after_utc.replace(microsecond=0), f"Expiration is the certificate's NotAfter: {meta}")
got = iam.get_server_certificate(ServerCertificateName=name)["ServerCertificate"]
check(got["CertificateBody"] == leaf_pem and got["CertificateChain"] == ca_pem and got["Tags"] == [], f"read back: {got}")
expect("KeyPairMismatch", iam.upload_server_certificate, None, 400, ServerCertificateName=f"{name}-2", CertificateBody=leaf_pem, PrivateKey=key_pem(ca_key))
expect("MalformedCertificate", iam.upload_server_certificate, "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: 0", 400, ServerCertificateName=f"{name}-3", CertificateBody=leaf_pem, PrivateKey=key_pem(leaf_key), CertificateChain=leaf_pem)
expect("EntityAlreadyExists", iam.upload_server_certificate, f"The Server Certificate with name {name} already exists.", 409, ServerCertificateName=name, CertificateBody=leaf_pem, PrivateKey=key_pem(leaf_key))
check([m["ServerCertificateName"] for m in every_page(iam.list_server_certificates, "ServerCertificateMetadataList", PathPrefix="/cdn/")] == [name], "ListServerCertificates")
iam.update_server_certificate(ServerCertificateName=name, NewServerCertificateName=f"{name}-renamed")
iam.delete_server_certificate(ServerCertificateName=f"{name}-renamed")
expect("NoSuchEntity", iam.get_server_certificate, f"The Server Certificate with name {name} cannot be found.", 404, ServerCertificateName=name)

# --- Service-specific credentials. ---------------------------------------------------------------
credential = iam.create_service_specific_credential(UserName=user, ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
check(credential["ServiceUserName"] == f"{user}-at-{ACCOUNT}" and credential["ServicePassword"], f"credential: {credential}")
expect("NoSuchEntity", iam.create_service_specific_credential, "No such service lambda.amazonaws.com is supported for Service Specific Credentials", 404, UserName=user, ServiceName="lambda.amazonaws.com")
listed = iam.list_service_specific_credentials(UserName=user)["ServiceSpecificCredentials"]
check([c["ServiceSpecificCredentialId"] for c in listed] == [credential["ServiceSpecificCredentialId"]] and "ServicePassword" not in listed[0], f"listed without the password: {listed}")
reset = iam.reset_service_specific_credential(UserName=user, ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"])["ServiceSpecificCredential"]
check(reset["ServicePassword"] != credential["ServicePassword"], "reset makes a new password")
iam.delete_service_specific_credential(UserName=user, ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"])
iam.delete_user(UserName=user)
done("iam credentials")

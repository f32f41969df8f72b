"""KMS through boto3: a symmetric key's encrypt/decrypt round trip bound to its encryption
context (a wrong or missing context fails), Decrypt without KeyId, GenerateDataKey whose
plaintext is what the blob unwraps to, ReEncrypt, ECDSA Sign/Verify checked with the public key,
HMAC, aliases (paged), key states and deletion, and bad input with KMS's codes."""
import botocore.exceptions

from common import check, client, done, expect_code, unique

kms = client("kms")

key = kms.create_key(Description="conformance")["KeyMetadata"]
key_id = key["KeyId"]
check(key["KeyState"] == "Enabled" and key["KeySpec"] == "SYMMETRIC_DEFAULT", f"new key: {key}")
check(key["KeyManager"] == "CUSTOMER" and key["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"], f"new key: {key}")
policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
check('"kms:*"' in policy and ":root" in policy, f"default key policy: {policy}")

context = {"purpose": "conformance", "tenant": "a"}
blob = kms.encrypt(KeyId=key_id, Plaintext=b"hello secrets", EncryptionContext=context)["CiphertextBlob"]
check(b"hello secrets" not in blob, "the ciphertext shows the plaintext")
opened = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
check(opened["Plaintext"] == b"hello secrets", f"round trip: {opened['Plaintext']!r}")
check(opened["KeyId"] == key["Arn"], f"Decrypt names the key: {opened['KeyId']}")
expect_code("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob, EncryptionContext={"purpose": "other", "tenant": "a"})
expect_code("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob)
tampered = bytearray(blob)
tampered[-1] ^= 1
expect_code("InvalidCiphertextException", kms.decrypt, CiphertextBlob=bytes(tampered), EncryptionContext=context)

data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext={"file": "x"})
check(len(data_key["Plaintext"]) == 32, "AES_256 data key length")
unwrapped = kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"], EncryptionContext={"file": "x"})["Plaintext"]
check(unwrapped == data_key["Plaintext"], "the data key blob unwraps to the plaintext data key")
without = kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16)
check("Plaintext" not in without and len(kms.decrypt(CiphertextBlob=without["CiphertextBlob"])["Plaintext"]) == 16, "without plaintext")
expect_code("ValidationException", kms.generate_data_key, KeyId=key_id)

other = kms.create_key()["KeyMetadata"]["KeyId"]
moved = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=context, DestinationKeyId=other)
check(moved["SourceKeyId"] == key["Arn"] and moved["KeyId"].endswith(other), f"ReEncrypt: {moved}")
check(kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"hello secrets", "re-encrypted blob opens")
expect_code("IncorrectKeyException", kms.decrypt, CiphertextBlob=moved["CiphertextBlob"], KeyId=key_id)

# Aliases, paged one at a time: each exactly once.
names = [f"alias/{unique('conf')}" for _ in range(3)]
for name in names:
    kms.create_alias(AliasName=name, TargetKeyId=key_id)
expect_code("AlreadyExistsException", kms.create_alias, AliasName=names[0], TargetKeyId=key_id)
expect_code("NotFoundException", kms.create_alias, AliasName=f"alias/{unique('x')}", TargetKeyId="11111111-2222-3333-4444-555555555555")
seen = []
marker = None
while True:
    page = kms.list_aliases(KeyId=key_id, Limit=1, **({"Marker": marker} if marker else {}))
    seen += [a["AliasName"] for a in page["Aliases"]]
    if not page["Truncated"]:
        break
    marker = page["NextMarker"]
check(sorted(seen) == sorted(names), f"aliases paged: {seen}")
by_alias = kms.encrypt(KeyId=names[0], Plaintext=b"via alias")["CiphertextBlob"]
check(kms.decrypt(CiphertextBlob=by_alias)["Plaintext"] == b"via alias", "encrypt through an alias")
check(kms.describe_key(KeyId=names[1])["KeyMetadata"]["KeyId"] == key_id, "describe through an alias")
kms.delete_alias(AliasName=names[2])
expect_code("NotFoundException", kms.describe_key, KeyId=names[2])

# Signing keys: the signature verifies with KMS and fails for another message.
signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
check(signer["SigningAlgorithms"] == ["ECDSA_SHA_256"], f"signing key: {signer}")
signature = kms.sign(KeyId=signer["KeyId"], Message=b"document", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
check(kms.verify(KeyId=signer["KeyId"], Message=b"document", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"], "signature verifies")
expect_code("KMSInvalidSignatureException", kms.verify, KeyId=signer["KeyId"], Message=b"forged", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")
public = kms.get_public_key(KeyId=signer["KeyId"])
check(public["PublicKey"][:2] == b"\x30\x59" and public["KeyUsage"] == "SIGN_VERIFY", "DER SubjectPublicKeyInfo")
expect_code("InvalidKeyUsageException", kms.encrypt, KeyId=signer["KeyId"], Plaintext=b"x")
expect_code("ValidationException", kms.create_key, KeySpec="ECC_NIST_P256")

mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
mac = kms.generate_mac(KeyId=mac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
check(len(mac) == 32, "HMAC_SHA_256 length")
check(kms.verify_mac(KeyId=mac_key, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"], "MAC verifies")
expect_code("KMSInvalidMacException", kms.verify_mac, KeyId=mac_key, Message=b"n", Mac=mac, MacAlgorithm="HMAC_SHA_256")

# States: disabled keys refuse, deletion is scheduled and cancelled.
kms.disable_key(KeyId=other)
expect_code("DisabledException", kms.encrypt, KeyId=other, Plaintext=b"x")
kms.enable_key(KeyId=other)
scheduled = kms.schedule_key_deletion(KeyId=other, PendingWindowInDays=7)
check(scheduled["KeyState"] == "PendingDeletion" and scheduled["PendingWindowInDays"] == 7, f"schedule: {scheduled}")
expect_code("KMSInvalidStateException", kms.encrypt, KeyId=other, Plaintext=b"x")
expect_code("ValidationException", kms.schedule_key_deletion, KeyId=key_id, PendingWindowInDays=3)
kms.cancel_key_deletion(KeyId=other)
check(kms.describe_key(KeyId=other)["KeyMetadata"]["KeyState"] == "Disabled", "cancelled deletion leaves the key disabled")

kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
status = kms.get_key_rotation_status(KeyId=key_id)
check(status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 90, f"rotation: {status}")
kms.rotate_key_on_demand(KeyId=key_id)
check(kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"] == b"hello secrets", "old blobs open after rotation")
check(len(kms.list_key_rotations(KeyId=key_id)["Rotations"]) == 1, "one on-demand rotation listed")

kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "a"}, {"TagKey": "env", "TagValue": "dev"}])
kms.untag_resource(KeyId=key_id, TagKeys=["env"])
check(kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "team", "TagValue": "a"}], "tags")

expect_code("NotFoundException", kms.describe_key, KeyId="11111111-2222-3333-4444-555555555555")
expect_code("NotFoundException", kms.describe_key, KeyId="not-a-key")
random = kms.generate_random(NumberOfBytes=24)["Plaintext"]
check(len(random) == 24, "GenerateRandom length")
check(kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]["KeyManager"] == "AWS", "managed key on first use")
done("kms_sdk")

"""Helpers the IAM scenarios share: exact error checks and raw Marker/MaxItems paging that
asserts every item comes back once."""
import botocore.exceptions

from common import check, fail

ACCOUNT = "123456789012"


def expect(code, call, message=None, status=None, **kwargs):
    """Calls and checks the error's code, and (when given) its exact message and HTTP status."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = error.response["Error"]["Code"]
        check(got == code, f"{call.__name__}({kwargs}): expected {code}, got {got}: {error}")
        if message is not None:
            said = error.response["Error"].get("Message")
            check(said == message, f"{call.__name__}: message {said!r}, expected {message!r}")
        if status is not None:
            http = error.response["ResponseMetadata"]["HTTPStatusCode"]
            check(http == status, f"{call.__name__}: HTTP {http}, expected {status}")
        return error
    fail(f"{call.__name__}({kwargs}) succeeded, expected {code}")


def every_page(call, field, key=None, **kwargs):
    """Walks a listing one item per page (MaxItems=1) by its Marker; checks each page holds at
    most one item, IsTruncated agrees with Marker, and no item comes twice. Returns the items
    (or their `key` members)."""
    items, marker, pages = [], None, 0
    while True:
        request = dict(kwargs, MaxItems=1)
        if marker:
            request["Marker"] = marker
        page = call(**request)
        pages += 1
        check(len(page.get(field, [])) <= 1, f"{call.__name__}: more than one item on a page: {page}")
        items.extend(item[key] if key else item for item in page.get(field, []))
        marker = page.get("Marker")
        check(page["IsTruncated"] == (marker is not None), f"{call.__name__}: IsTruncated and Marker disagree: {page}")
        if not marker:
            break
        check(pages < 1000, f"{call.__name__}: paging does not end")
    comparable = [repr(item) for item in items]
    check(len(set(comparable)) == len(comparable), f"{call.__name__}: an item came twice: {items}")
    return items


def trust(service="ec2.amazonaws.com"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def allow(*actions, resource="*"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}

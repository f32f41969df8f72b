"""The inspector keeps at most N requests (--inspector-size), the newest, and none at all with
--inspector-size 0. SOCKERLESS_EXPECT_CAPACITY says which N the server was started with."""
import os
import urllib.error
import urllib.request

from common import URL, admin_json, check, done

capacity = int(os.environ["SOCKERLESS_EXPECT_CAPACITY"])
for index in range(capacity + 7):
    try:
        urllib.request.urlopen(f"{URL}/no-such-route-{index}", timeout=30).read()
    except urllib.error.HTTPError as error:
        error.read()
listing = admin_json("/_sockerless/requests?limit=1000")
check(listing["capacity"] == capacity, f"capacity {listing['capacity']}")
paths = [e["path"] for e in listing["requests"]]
if capacity == 0:
    check(listing["held"] == 0 and paths == [], f"a disabled inspector holds {paths}")
    done("--inspector-size 0 records nothing")
else:
    expected = [f"/no-such-route-{index}" for index in reversed(range(7, capacity + 7))]
    check(listing["held"] == capacity and paths == expected, f"held {listing['held']}: {paths}")
    # An unsigned GET /NAME is S3's ListObjects on bucket NAME, which does not exist.
    check(all(e["operation"] == "s3:ListObjects" and e["errorCode"] == "NoSuchBucket" and e["status"] == 404
              for e in listing["requests"]), f"{listing['requests'][0]}")
    overview = admin_json("/_sockerless/overview")
    check(overview["requests"]["held"] == capacity and overview["requests"]["perSecond"] > 0, f"{overview['requests']}")
    done(f"the inspector keeps the newest {capacity} requests")

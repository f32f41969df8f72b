"""The browser view of the AWS simulator, driven in headless Chromium through selenium and
Debian's chromium-driver. Without the token every page redirects to the login form; logging in
sets an HttpOnly, SameSite=Strict cookie; an ECS task printing a line every 100 ms shows its
lines live on its page, and stopping it there ends it with 143 (which ECS reports too); a
failing aws CLI call appears in the request inspector with its error code, its signature
redacted; a resource named <img src=x onerror=alert(1)> and a log line with <script> render as
text and no alert fires; a fault added on the page makes the aws CLI fail and removing it
heals it; reset empties the server; a change made with the cookie alone, without the CSRF
token, is refused."""
import json
import os
import re
import tempfile
from urllib.parse import urlencode

os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not look for drivers online

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from common import URL, TOKEN, admin, admin_json, aws, check, done, fail, unique, wait_for

check(TOKEN, "this scenario runs against a server with an admin token")
profile = tempfile.mkdtemp(prefix="chromium-")
options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("SOCKERLESS_CHROMIUM", "/usr/bin/chromium")
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--no-first-run", f"--user-data-dir={profile}", "--window-size=1400,1000"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service(os.environ.get("SOCKERLESS_CHROMEDRIVER", "/usr/bin/chromedriver")),
                          options=options)


def no_alert(where):
    try:
        alert = driver.switch_to.alert
        fail(f"an alert fired on {where}: {alert.text!r}")
    except NoAlertPresentException:
        pass


def on_login():
    # A redirect keeps the fragment (#/requests) of the page asked for.
    return driver.current_url.split("#")[0].endswith("/_sockerless/login")


def text_of(selector):
    return driver.find_element(By.CSS_SELECTOR, selector).text


def visit(fragment):
    driver.get(URL + "/_sockerless/" + fragment)


try:
    # Without the token: every page redirects to the login form, and the JSON answers 401.
    visit("")
    wait_for("the login form", lambda: on_login()
             and driver.find_elements(By.ID, "login-form"))
    visit("#/requests")
    wait_for("the login form again", lambda: on_login())
    status, body, _ = admin("/_sockerless/overview", token=False)
    check(status == 401 and body["error"]["code"] == "AdminTokenRequired", f"overview without a token: {status} {body}")
    driver.find_element(By.ID, "token").send_keys("not-the-token")
    driver.find_element(By.ID, "login-submit").click()
    wait_for("the wrong-token message", lambda: "not this server" in text_of("#login-message"))
    done("without the token the pages redirect to the login form")

    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.ID, "login-submit").click()
    wait_for("the overview", lambda: text_of("#overview-server") == "aws")
    cookies = [c for c in driver.get_cookies() if c["name"].startswith("sockerless_session")]
    check(len(cookies) == 1, f"session cookies: {driver.get_cookies()}")
    session = cookies[0]
    check(session["httpOnly"] and session.get("sameSite") == "Strict", f"the session cookie: {session}")
    done("logging in sets an HttpOnly, SameSite=Strict session cookie")

    # The cookie alone does not change state: the CSRF token is needed too.
    cookie = f"{session['name']}={session['value']}"
    status, body, _ = admin("/_sockerless/reset", method="POST", token=False, headers={"Cookie": cookie})
    check(status == 403 and body["error"]["code"] == "CsrfTokenMismatch", f"reset with the cookie only: {status} {body}")
    status, body, _ = admin("/_sockerless/overview", token=False, headers={"Cookie": cookie})
    check(status == 200 and body["server"] == "aws", f"a read with the cookie: {status} {body}")
    done("a change made with the session cookie but without the CSRF token is refused")

    # An ECS task printing a line every 100 ms: its lines appear live on its page.
    cluster = unique("ui")
    aws("ecs", "create-cluster", "--cluster-name", cluster)
    family = unique("ticker")
    script = 'i=0; while true; do i=$((i+1)); echo "tick $i <script>alert(2)</script>"; sleep 0.1; done'
    group = unique("/ecs/ui")
    aws("logs", "create-log-group", "--log-group-name", group)
    aws("ecs", "register-task-definition", "--family", family, "--container-definitions",
        json.dumps([{"name": "app", "image": "busybox", "memory": 64, "essential": True, "command": ["sh", "-c", script],
                     "logConfiguration": {"logDriver": "awslogs", "options": {
                         "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ui"}}}]))
    task_arn = aws("ecs", "run-task", "--cluster", cluster, "--task-definition", family)["tasks"][0]["taskArn"]
    task_id = task_arn.rsplit("/", 1)[1]

    def the_workload():
        for workload in admin_json("/_sockerless/workloads")["workloads"]:
            if task_id in workload["name"] and workload["status"] == "running":
                return workload
        return None

    workload = wait_for("the task's workload", the_workload)
    visit(f"#/workload/{workload['id']}")
    wait_for("the workload page", lambda: text_of("#workload-status") == "running")
    first = wait_for("three lines", lambda: len(driver.find_elements(By.CSS_SELECTOR, "#workload-logs .log-line")) >= 3 and
                     len(driver.find_elements(By.CSS_SELECTOR, "#workload-logs .log-line")))
    later = wait_for("more lines without reloading",
                     lambda: (n := len(driver.find_elements(By.CSS_SELECTOR, "#workload-logs .log-line"))) >= first + 5 and n)
    lines = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#workload-logs .log-line")]
    numbers = [int(m.group(1)) for m in (re.match(r"tick (\d+) <script>alert\(2\)</script>$", line) for line in lines) if m]
    check(len(numbers) == len(lines), f"lines not shown as printed: {lines[:5]}")
    check(numbers == list(range(numbers[0], numbers[0] + len(numbers))), f"lines missing or repeated: {numbers}")
    check(not driver.find_elements(By.CSS_SELECTOR, "#workload-logs script"), "a log line became a script element")
    no_alert("the workload page")
    done(f"the task's lines appear live on its page ({first} then {later}), <script> as text")

    # Stop from the page: SIGTERM, exit code 143, on the page and in ECS.
    driver.find_element(By.ID, "stop").click()
    wait_for("exit code 143 on the page", lambda: text_of("#workload-exit-code") == "143")
    check(text_of("#workload-status") == "exited", "the page shows the workload ended")

    def stopped():
        task = aws("ecs", "describe-tasks", "--cluster", cluster, "--tasks", task_arn)["tasks"][0]
        return task["lastStatus"] == "STOPPED" and task

    task = wait_for("ECS to report the task stopped", stopped)
    check(task["containers"][0].get("exitCode") == 143, f"ECS's exit code: {task['containers'][0]}")
    done("stopping from the page ends the task with 143, as ECS reports")

    # The task's record links to its definition and cluster.
    key = admin_json(f"/_sockerless/resources/ecs.tasks.v2?filter={task_id}")["items"][0]["key"]
    visit("#/resource?" + urlencode({"c": "ecs.tasks.v2", "k": key}))
    wait_for("the task's links", lambda: all(part in text_of("#resource-links") for part in
                                              ("taskDefinitionArn", "clusterArn", "(logs.streams)")))
    done("a task's page links to its task definition, cluster and log stream")

    # A failing aws CLI call, found in the inspector with its error code.
    missing = unique("no-such-cluster")
    aws("ecs", "run-task", "--cluster", missing, "--task-definition", family, expect_error="ClusterNotFoundException")
    visit("#/requests")
    wait_for("the inspector", lambda: driver.find_elements(By.ID, "request-filters"))
    driver.find_element(By.ID, "filter-status").send_keys("4xx")
    driver.find_element(By.ID, "filter-operation").send_keys("RunTask")
    driver.find_element(By.ID, "filter-apply").click()

    def failing_rows():
        # Read the rows in one go: the unfiltered listing may still be replaced under us.
        rows = driver.find_elements(By.CSS_SELECTOR, ".request-row")
        seen = [(r.find_element(By.CSS_SELECTOR, ".request-status").text,
                 r.find_element(By.CSS_SELECTOR, ".request-error-code").text,
                 r.find_element(By.CSS_SELECTOR, ".request-operation").text) for r in rows]
        return seen and all(status.startswith("4") for status, _, _ in seen) and seen

    seen = wait_for("the failing call, filtered", failing_rows)
    check(seen[0] == ("400", "ClusterNotFoundException", "ecs:RunTask"), f"rows: {seen}")
    check(all(operation == "ecs:RunTask" for _, _, operation in seen), f"the operation filter let through {seen}")
    wait_for("the first row", lambda: driver.find_elements(By.CSS_SELECTOR, ".request-row"))[0].click()
    wait_for("the request's detail", lambda: text_of("#detail-error-code") == "ClusterNotFoundException")
    page = driver.find_element(By.TAG_NAME, "main").text
    check("Signature=***redacted***" in page, "the signature is not redacted in the detail")
    check(missing in text_of("#request-body"), "the request body is shown")
    check("ClusterNotFoundException" in text_of("#response-body"), "the response body is shown")
    done("a failing aws CLI call is in the inspector with its error code, its signature redacted")

    # Pause from the page (a PUT with the session's CSRF token): nothing new is recorded until
    # it is resumed.
    visit("#/requests")
    wait_for("the pause button", lambda: text_of("#inspector-recording") == "Pause recording")
    driver.find_element(By.ID, "inspector-recording").click()
    wait_for("the resume button", lambda: text_of("#inspector-recording") == "Resume recording")
    check(admin_json("/_sockerless/inspector")["recording"] is False, "the page's pause did not reach the server")
    paused_cluster = unique("paused-cluster")
    aws("ecs", "describe-clusters", "--clusters", paused_cluster)
    check(not [e for e in admin_json("/_sockerless/requests?operation=DescribeClusters&limit=1000")["requests"]],
          "a request made while paused was recorded")
    driver.find_element(By.ID, "inspector-recording").click()
    wait_for("the pause button again", lambda: text_of("#inspector-recording") == "Pause recording")
    check(admin_json("/_sockerless/inspector")["recording"] is True, "the page's resume did not reach the server")
    done("recording pauses and resumes from the page")

    # A resource named like markup renders as text, and no alert fires.
    bucket = unique("ui-bucket")
    aws("s3api", "create-bucket", "--bucket", bucket)
    evil = "<img src=x onerror=alert(1)>"
    body_file = os.path.join(profile, "body.txt")
    with open(body_file, "w") as handle:
        handle.write("hello")
    aws("s3api", "put-object", "--bucket", bucket, "--key", evil, "--body", body_file)
    visit("#/collection?c=s3-objects")
    link = wait_for("the object's link", lambda: [e for e in driver.find_elements(By.CSS_SELECTOR, ".resource-link") if e.text == evil])
    check(not driver.find_elements(By.CSS_SELECTOR, "main img"), "the name became an <img> element")
    no_alert("the collection page")
    link[0].click()
    wait_for("the object's page", lambda: text_of("#resource-name") == evil)
    check(not driver.find_elements(By.CSS_SELECTOR, "main img"), "the name became an <img> element")
    no_alert("the object's page")
    done("a resource named <img src=x onerror=alert(1)> renders as text and no alert fires")

    # Fault switches: add one on the page, see the CLI fail, remove it, see it heal.
    visit("#/faults")
    wait_for("the fault form", lambda: driver.find_elements(By.ID, "fault-form"))
    driver.find_element(By.ID, "fault-service").send_keys("ecs")
    driver.find_element(By.ID, "fault-operation").send_keys("ListClusters")
    status_field = driver.find_element(By.ID, "fault-status")
    status_field.clear()
    status_field.send_keys("503")
    driver.find_element(By.ID, "fault-code").send_keys("InjectedOutage")
    driver.find_element(By.ID, "fault-add").click()
    wait_for("the fault listed", lambda: driver.find_elements(By.CSS_SELECTOR, ".remove-fault"))
    aws("ecs", "list-clusters", expect_error="InjectedOutage")
    driver.find_element(By.CSS_SELECTOR, ".remove-fault").click()
    wait_for("the fault removed", lambda: not driver.find_elements(By.CSS_SELECTOR, ".remove-fault"))
    aws("ecs", "list-clusters")
    done("a fault added on the page fails the aws CLI; removing it heals it")

    # Reset, after a confirmation.
    visit("#/reset")
    wait_for("the reset page", lambda: driver.find_elements(By.ID, "reset"))
    driver.find_element(By.ID, "reset").click()
    wait_for("the confirmation", lambda: driver.find_element(By.ID, "reset-confirmation").is_displayed())
    check(aws("ecs", "list-clusters")["clusterArns"], "nothing is reset before confirming")
    driver.find_element(By.ID, "reset-confirm").click()
    wait_for("the reset", lambda: text_of("#reset-message") == "Reset done.")
    check(aws("ecs", "list-clusters")["clusterArns"] == [], "reset from the page emptied ECS")
    done("reset from the page, after its confirmation, empties the server")

    # Logging out ends the session.
    visit("")
    wait_for("the logout button", lambda: driver.find_element(By.ID, "logout").is_displayed())
    driver.find_element(By.ID, "logout").click()
    wait_for("the login form after logging out", lambda: on_login())
    status, _, _ = admin("/_sockerless/overview", token=False, headers={"Cookie": cookie})
    check(status == 401, f"the ended session still reads: {status}")
    done("logging out ends the session")
    no_alert("the end")
except UnexpectedAlertPresentException as error:
    fail(f"an alert fired: {error}")
finally:
    driver.quit()

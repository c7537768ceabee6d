#!/usr/bin/env python3
"""The web console in a real browser (headless Chromium through Selenium and the system
chromedriver; nothing is downloaded at run time), against a live `lethe serve` on 127.0.0.1 with
a fresh data directory:

  sign in; register an asset; retire it and see the dashboard count change; a CSV import with one
  bad row imports nothing and lists the row; filter by type and classification and retire the
  ticked assets together; search the certificates; an auditor sees no
  write button and gets 403 posting the form directly, with nothing changed; a technician records
  a job with its evidence and is told in words that they cannot attest it; a verifier attests and
  issues the certificate, whose bundle downloads and verifies with `openssl cms -verify`; a
  compliance officer files an erasure request (the identifier never shown again) and follows it
  to completion; the users, reports and not-found pages; no JavaScript console error on any page;
  screenshots of the main pages.

Usage: console-browser-test.py LETHE_BINARY WORK_DIR [SCREENSHOT_DIR]
Exits 0 when every check passes; prints what failed otherwise. LetheServerTests' browser test
(and so `swift test`) runs it; it stops itself after 400 seconds.
"""
import datetime
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

LETHE, WORK = sys.argv[1], sys.argv[2]
SHOTS = sys.argv[3] if len(sys.argv) > 3 else os.path.join(WORK, "screenshots")
DATA = os.path.join(WORK, "data")
PASSWORD = "a console password for the browser test"
ENV = dict(os.environ, LETHE_DATA_DIR=DATA, USER="browser-test", LETHE_ORGANIZATION="Example Corp")
SUBJECT = "ada.lovelace@example.com"
failures = []

signal.signal(signal.SIGALRM, lambda *_: (print("FAIL: the browser test ran past 400 s"), os._exit(1)))
signal.alarm(400)


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        failures.append(what)


def lethe(*arguments, stdin=""):
    return subprocess.run(
        [LETHE, *arguments], input=stdin, text=True, env=ENV, check=True, capture_output=True).stdout


# The service, as a newcomer starts it: an empty data directory, any free port.
os.makedirs(SHOTS, exist_ok=True)
server = subprocess.Popen(
    [LETHE, "serve", "--port", "0"], env=ENV, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
base = None
admin_password = None
while base is None:
    line = server.stderr.readline()
    if not line:
        sys.exit("FAIL: lethe serve ended before it listened")
    if "console password:" in line:
        admin_password = line.split(":", 1)[1].strip()
    match = re.search(r"serving (http://127\.0\.0\.1:\d+)/", line)
    if match:
        base = match.group(1)
threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
check(admin_password is not None, "lethe serve printed the admin's console password once")
for name, roles in [
    ("alice", ["it-staff"]), ("audrey", ["auditor"]), ("tina", ["technician", "verifier"]), ("vera", ["verifier"]),
    ("carl", ["compliance"]),
]:
    lethe("user", "add", name, *[argument for role in roles for argument in ("--role", role)])
    lethe("user", "password", name, stdin=PASSWORD + "\n")

options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(120)


def visit(path):
    driver.get(base + path)
    no_console_errors(path)


def no_console_errors(where, page_status=None):
    """No SEVERE entry in the browser's console; `page_status` is the page's own expected error
    status (a form answered 422), which Chromium logs as a failed load of the page itself."""
    expected = f"the server responded with a status of {page_status}" if page_status else None
    errors = [
        entry["message"] for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and not (expected and expected in entry["message"])
    ]
    check(not errors, f"no JavaScript console error on {where} {errors if errors else ''}")


def settled(condition):
    """Waits until condition holds on the page the browser is loading; an element read from the
    page being left (stale) is read again rather than failing the test."""
    return WebDriverWait(driver, 60, ignored_exceptions=[StaleElementReferenceException]).until(condition)


def wait_for(css):
    """The element, once the page that has it has loaded (a form's answer can take a moment)."""
    return WebDriverWait(driver, 60).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def shot(name, height=900):
    """A screenshot of the page's top `height` pixels (taller for a long page)."""
    if height != 900:
        driver.set_window_size(1280, height)
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
    if height != 900:
        driver.set_window_size(1280, 900)


def sign_in(name, password):
    visit("/console/signin")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    settled(lambda d: "/console/signin" not in d.current_url or d.find_elements(By.CLASS_NAME, "error"))
    no_console_errors("the page after signing in")


def retired_count():
    visit("/console/")
    return int(driver.find_element(By.CSS_SELECTOR, 'td[data-state="retired"]').text)


try:
    # The admin's first sign-in with the printed password.
    visit("/")
    check(driver.current_url.endswith("/console/signin"), "/ leads to the sign-in page")
    shot("console-signin")
    sign_in("admin", admin_password)
    check("Dashboard" in driver.title, "the admin signs in with the printed password")
    # The administrator's users and tokens page (the people below are already added).
    visit("/console/users")
    check("carl" in driver.find_element(By.ID, "user-table").text, "the administrator sees the users with their roles")
    shot("console-users")
    driver.set_window_size(360, 800)
    visit("/console/users")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    check(width <= 360, f"/console/users fits 360 px without scrolling sideways (is {width} px wide)")
    driver.set_window_size(1280, 900)
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()

    # IT staff register an asset and retire it; the dashboard counts it.
    sign_in("alice", PASSWORD)
    before = retired_count()
    visit("/console/assets")
    driver.find_element(By.ID, "r-tag").send_keys("LAP-0042")
    driver.find_element(By.ID, "r-serial").send_keys("5CG1234XYZ")
    driver.find_element(By.ID, "r-custodian").send_keys("alice")
    driver.find_element(By.ID, "r-location").send_keys("HQ floor 3")
    driver.find_element(By.CSS_SELECTOR, "#register-form button").click()
    wait_for("dl.fields")
    check(driver.current_url.endswith("/console/assets/LAP-0042"), "registering leads to the asset's page")
    no_console_errors("the asset page")
    shot("console-asset")
    driver.find_element(By.ID, "reason-retire").send_keys("end of lease")
    driver.find_element(By.CSS_SELECTOR, 'form[action$="/retire"] button').click()
    WebDriverWait(driver, 30).until(expected_conditions.alert_is_present()).accept()  # the script's confirmation
    settled(lambda d: "retired" in d.find_element(By.CSS_SELECTOR, ".fields").text)
    check("retired" in driver.find_element(By.CSS_SELECTOR, ".fields").text, "the asset's page says retired")
    after = retired_count()
    check(after == before + 1, f"the dashboard's retired count went from {before} to {before + 1} (is {after})")
    shot("console-dashboard")
    visit("/console/assets?q=LAP")
    check("LAP-0042" in driver.find_element(By.ID, "asset-table").text, "searching finds the asset")
    shot("console-assets")
    # A CSV import with one bad row imports nothing and lists the row.
    bad_csv = os.path.join(WORK, "bad.csv")
    with open(bad_csv, "w") as file:
        file.write("asset_tag,media_type,classification\nIMP-1,ssd,high\nIMP-2,floppy,low\n")
    visit("/console/assets")
    driver.find_element(By.ID, "i-file").send_keys(bad_csv)
    driver.find_element(By.CSS_SELECTOR, "#import-form button").click()
    problems = wait_for("#import-problems").text
    no_console_errors("the import's result", page_status=422)
    check("line 3" in problems and "floppy" in problems, f"the import lists the bad row ({problems!r})")
    visit("/console/assets?q=IMP")
    check("IMP-1" not in driver.find_element(By.ID, "asset-table").text, "and imported nothing")
    # Filtered by type and classification, two ticked drives are retired together.
    for tag in ["BULK-1", "BULK-2"]:
        lethe("asset", "register", tag, "--type", "ssd", "--classification", "high")
    lethe("asset", "register", "BULK-3", "--type", "ssd", "--classification", "low")
    visit("/console/assets?type=ssd&classification=high&q=BULK")
    listed = driver.find_element(By.ID, "asset-table").text
    check("BULK-1" in listed and "BULK-2" in listed and "BULK-3" not in listed,
          "the type and classification filters list only the high SSDs")
    for tag in ["BULK-1", "BULK-2"]:
        driver.find_element(By.CSS_SELECTOR, f'input[type="checkbox"][value="{tag}"]').click()
    driver.find_element(By.ID, "bulk-reason").send_keys("end of lease")
    driver.find_element(By.CSS_SELECTOR, "#bulk-retire-form button").click()
    WebDriverWait(driver, 30).until(expected_conditions.alert_is_present()).accept()  # the script's confirmation
    settled(lambda d: "Retired 2 selected assets" in d.page_source)
    no_console_errors("the bulk retirement's result")
    visit("/console/assets?state=retired&q=BULK")
    retired = driver.find_element(By.ID, "asset-table").text
    check("BULK-1" in retired and "BULK-2" in retired and "BULK-3" not in retired,
          "retiring the ticked assets retired both and nothing else")
    driver.set_window_size(360, 800)
    visit("/console/assets/LAP-0042")
    shot("console-asset-360px")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    check(width <= 360, f"the asset page fits 360 px without scrolling sideways (is {width} px wide)")
    driver.set_window_size(1280, 900)
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()

    # An auditor sees no write action, and posting the form anyway is refused.
    lethe("asset", "register", "SRV-1", "--type", "server", "--classification", "high")
    sign_in("audrey", PASSWORD)
    visit("/console/assets")
    check(not driver.find_elements(By.ID, "register-form"), "the auditor is offered no register form")
    visit("/console/assets/SRV-1")
    check(not driver.find_elements(By.CSS_SELECTOR, "form.card button"), "the auditor is offered no lifecycle action")
    csrf = driver.find_element(By.CSS_SELECTOR, '.signout input[name="csrf"]').get_attribute("value")
    cookie = driver.get_cookie("lethe_session")["value"]
    request = urllib.request.Request(
        base + "/console/assets/SRV-1/retire", method="POST",
        data=urllib.parse.urlencode({"csrf": csrf, "reason": "forged"}).encode(),
        headers={"Cookie": f"lethe_session={cookie}", "Content-Type": "application/x-www-form-urlencoded"})
    try:
        status = urllib.request.urlopen(request).status
    except urllib.error.HTTPError as error:
        status = error.code
    check(status == 403, f"the auditor's forged retire is 403 (is {status})")
    visit("/console/assets/SRV-1")
    check("in-service" in driver.find_element(By.CSS_SELECTOR, ".fields").text, "and SRV-1 is still in service")
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()

    # A high-impact drive's job (approved by a second person at the command line): a technician who
    # is also a verifier records the shredding with the vendor's certificate, and is told in words
    # that the same person cannot attest it.
    lethe("asset", "register", "HDD-77", "--type", "hdd", "--classification", "high", "--state", "retired")
    lethe("schedule")
    listing = json.loads(lethe("job", "list", "--json"))
    job_id = next(job["id"] for job in listing["jobs"] if "HDD-77" in json.dumps(job))
    lethe("job", "approve", str(job_id), "--actor", "cora")
    certificate = os.path.join(WORK, "certificate-of-destruction.pdf")
    with open(certificate, "wb") as file:
        file.write(b"%PDF-1.4 certificate of destruction, HDD-77, shredded to 2 mm\n")
    sign_in("tina", PASSWORD)
    visit(f"/console/jobs/{job_id}")
    Select(driver.find_element(By.ID, "w-technique")).select_by_visible_text("shred")
    driver.find_element(By.ID, "w-tool").send_keys("Acme Shredding")
    driver.find_element(By.ID, "w-version").send_keys("certificate form 7")
    driver.find_element(By.ID, "w-evidence").send_keys(certificate)
    driver.find_element(By.CSS_SELECTOR, "#record-form button").click()
    wait_for("#job-evidence")
    no_console_errors("the job page after recording")
    refusals = " ".join(element.text for element in driver.find_elements(By.CSS_SELECTOR, ".refusal"))
    check("cannot also verify it (separation of duties)" in refusals,
          f"the technician is told in words they cannot attest their own work ({refusals!r})")
    check(not driver.find_elements(By.ID, "attest-form"), "and is offered no attest form")
    shot("console-job-refusal", height=1500)
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()

    # A verifier attests with the inspected certificate and issues the signed record; its bundle
    # downloads and verifies as docs/auditors.md shows.
    sign_in("vera", PASSWORD)
    visit(f"/console/jobs/{job_id}")
    driver.find_element(By.ID, "a-evidence").send_keys(certificate)
    driver.find_element(By.ID, "a-notes").send_keys("certificate matches the drive's serial")
    driver.find_element(By.CSS_SELECTOR, "#attest-form button").click()
    wait_for("#job-verification")
    check("verified" in driver.find_element(By.ID, "job-fields").text, "the verifier's attestation verifies the job")
    driver.find_element(By.CSS_SELECTOR, "#issue-form button").click()
    bundle_link = wait_for('#job-records a[href$="/bundle"]')
    no_console_errors("the verified job's page")
    shot("console-job", height=1500)
    request = urllib.request.Request(
        bundle_link.get_attribute("href"), headers={"Cookie": f"lethe_session={driver.get_cookie('lethe_session')['value']}"})
    bundle_dir = os.path.join(WORK, "bundle")
    with tarfile.open(fileobj=io.BytesIO(urllib.request.urlopen(request).read()), mode="r:gz") as archive:
        # The "data" filter (no absolute paths, links or devices) where this Python has it.
        archive.extractall(bundle_dir, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    record_dir = os.path.join(bundle_dir, os.listdir(bundle_dir)[0])
    verified = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "record.p7s", "-content", "record.json",
         "-CAfile", "issuer.pem", "-purpose", "any", "-out", "/dev/null"], cwd=record_dir, capture_output=True, text=True)
    check(verified.returncode == 0, f"openssl cms -verify accepts the downloaded bundle ({verified.stderr.strip()})")
    visit("/console/certificates?q=hdd-77")
    check("HDD-77" in driver.find_element(By.ID, "certificate-table").text,
          "searching the certificates by asset tag (any case) finds the record")
    no_console_errors("the certificate search")
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()

    # Compliance: the data map, then an erasure request filed, followed and completed in the browser.
    stores = os.path.join(WORK, "datamap.yaml")
    with open(stores, "w") as file:
        file.write("version: 1\nstores:\n  - name: mailer\n    kind: processor\n    owner: marketing\n"
                   "    contact: privacy@mailer.example\n    categories: [user.contact.email]\n")
    holdings = os.path.join(WORK, "holdings.csv")
    with open(holdings, "w") as file:
        file.write(f"identifier,store\n{SUBJECT},mailer\n")
    lethe("store", "apply", stores)
    lethe("holding", "import", holdings)
    sign_in("carl", PASSWORD)
    visit("/console/data")
    check("mailer" in driver.find_element(By.ID, "store-table").text, "the data map lists the processor")
    shot("console-data")
    visit("/console/erasure")
    driver.find_element(By.ID, "e-identifier").send_keys(SUBJECT)
    driver.find_element(By.CSS_SELECTOR, "#erasure-form button").click()
    wait_for("#part-table")
    no_console_errors("the new erasure request's page")
    check(re.search(r"/console/erasure/\d+$", driver.current_url) is not None,
          f"filing leads to the request's page ({driver.current_url})")
    check(SUBJECT not in driver.page_source and "ada" not in driver.current_url, "the identifier is not shown again")
    driver.find_element(By.CSS_SELECTOR, ".attest-part input[name=notes]").send_keys("mailer confirmed the deletion")
    driver.find_element(By.CSS_SELECTOR, ".attest-part button").click()
    settled(lambda d: "completed" in d.find_element(By.ID, "erasure-fields").text)
    check("completed" in driver.find_element(By.ID, "erasure-fields").text, "attesting the processor's part completes it")
    no_console_errors("the completed erasure request")
    shot("console-erasure")
    visit("/console/erasure")
    check(SUBJECT not in driver.page_source, "the request list never shows the identifier")
    shot("console-erasures")
    visit("/console/reports")
    today = datetime.date.today()
    for field, value in [("p-from", today.replace(month=1, day=1).isoformat()), ("p-to", today.isoformat())]:
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, field), value)
    driver.find_element(By.CSS_SELECTOR, "#report-form button").click()
    check("disposal" in wait_for("#report-table").text, "compliance generates the year's disposal report")
    no_console_errors("the reports page")
    shot("console-reports")
    driver.get(base + "/console/no-such-page")
    check(driver.find_element(By.TAG_NAME, "h1").text == "Not found", "an unknown console path is the console's 404 page")
    no_console_errors("the not-found page", page_status=404)
    # The new pages at 360 px too.
    driver.set_window_size(360, 800)
    for path in [f"/console/jobs/{job_id}", "/console/erasure/1", "/console/data", "/console/reports"]:
        visit(path)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 360, f"{path} fits 360 px without scrolling sideways (is {width} px wide)")
    driver.set_window_size(1280, 900)
finally:
    driver.quit()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("every browser check passed")

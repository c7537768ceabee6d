#!/usr/bin/env python3
"""The web console in a real browser (headless Chromium through Selenium and the system
chromedriver; nothing is downloaded at run time), against a live `lethe serve` on 127.0.0.1 with
a fresh data directory:

  sign in; register an asset; retire it and see the dashboard count change; an auditor sees no
  write button and gets 403 posting the form directly, with nothing changed; no JavaScript console
  error on any page; screenshots of the main pages.

Usage: console-browser-test.py LETHE_BINARY WORK_DIR [SCREENSHOT_DIR]
Exits 0 when every check passes; prints what failed otherwise. LetheServerTests' browser test
(and so `swift test`) runs it; it stops itself after 90 seconds.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

LETHE, WORK = sys.argv[1], sys.argv[2]
SHOTS = sys.argv[3] if len(sys.argv) > 3 else os.path.join(WORK, "screenshots")
DATA = os.path.join(WORK, "data")
PASSWORD = "a console password for the browser test"
ENV = dict(os.environ, LETHE_DATA_DIR=DATA, USER="browser-test")
failures = []

signal.signal(signal.SIGALRM, lambda *_: (print("FAIL: the browser test ran past 90 s"), os._exit(1)))
signal.alarm(90)


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        failures.append(what)


def lethe(*arguments, stdin=""):
    subprocess.run([LETHE, *arguments], input=stdin, text=True, env=ENV, check=True, capture_output=True)


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
for name, role in [("alice", "it-staff"), ("audrey", "auditor")]:
    lethe("user", "add", name, "--role", role)
    lethe("user", "password", name, stdin=PASSWORD + "\n")

options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(20)


def visit(path):
    driver.get(base + path)
    no_console_errors(path)


def no_console_errors(where):
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    check(not errors, f"no JavaScript console error on {where} {errors if errors else ''}")


def shot(name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def sign_in(name, password):
    visit("/console/signin")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
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
    check(driver.current_url.endswith("/console/assets/LAP-0042"), "registering leads to the asset's page")
    no_console_errors("the asset page")
    shot("console-asset")
    driver.find_element(By.ID, "reason-retire").send_keys("end of lease")
    driver.find_element(By.CSS_SELECTOR, 'form[action$="/retire"] button').click()
    driver.switch_to.alert.accept()  # the script's confirmation
    time.sleep(0.2)
    check("retired" in driver.find_element(By.CSS_SELECTOR, ".fields").text, "the asset's page says retired")
    after = retired_count()
    check(after == before + 1, f"the dashboard's retired count went from {before} to {before + 1} (is {after})")
    shot("console-dashboard")
    visit("/console/assets?q=LAP")
    check("LAP-0042" in driver.find_element(By.ID, "asset-table").text, "searching finds the asset")
    shot("console-assets")
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
finally:
    driver.quit()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=10)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("every browser check passed")

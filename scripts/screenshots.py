"""Log in with a demo account and save a screenshot of each page (headless Chromium).

Usage: python scripts/screenshots.py [BASE_URL] [USERNAME] [OUT_DIR] [PATH ...]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        f"--window-size={os.environ.get('SCREEN_SIZE', '1600,1000')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options)


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050"
    user = sys.argv[2] if len(sys.argv) > 2 else "operateur"
    out = Path(sys.argv[3] if len(sys.argv) > 3 else "tests/screenshots")
    paths = sys.argv[4:] or ["/", "/dechets", "/systeme"]
    out.mkdir(parents=True, exist_ok=True)
    driver = browser()
    try:
        driver.get(base + "/login")
        driver.find_element(By.NAME, "username").send_keys(user)
        driver.find_element(By.NAME, "password").send_keys("demo")
        driver.find_element(By.ID, "login-submit").click()
        for path in paths:
            driver.get(base + path)
            time.sleep(6)
            name = path.strip("/").replace("/", "_") or "supervision"
            driver.save_screenshot(str(out / f"{user}-{name}.png"))
            for entry in driver.get_log("browser"):
                if entry["level"] in ("SEVERE", "WARNING"):
                    print(path, entry["level"], entry["message"][:300])
    finally:
        driver.quit()


if __name__ == "__main__":
    main()

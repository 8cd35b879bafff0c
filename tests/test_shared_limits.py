"""Rate limits hold across gunicorn workers when ``REDIS_URL`` names a Redis.

With the limiter's memory storage each worker counts alone: issue 12 sent 300
verifications from one address to `make run` (two workers, 120 a minute) and got
240 answers. Production refuses that storage (``tests/test_config.py``); here two
real workers started as `make run` starts them share one Redis, and the limit is
the limit.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import GUNICORN, KEYS_DIR, REDIS_TEST_URL, TEST_SECRET, _free_port

#: Left out of `make test-fast`: starts gunicorn with two workers.
pytestmark = pytest.mark.slow

#: CONGDAN_VERIFY_RATE_LIMIT's default, 120 a minute.
LIMIT = 120
SENT = 300


@pytest.mark.real_sessions
def test_the_verify_limit_holds_across_two_workers(
    redis_prefix: str, scratch_database_url: str
):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database_url,
        "SECRET_KEY": TEST_SECRET,
        "VNEID_CLIENT_SECRET": "test-shared-limits-client-secret",
        "REDIS_URL": REDIS_TEST_URL,
        "CONGDAN_RATELIMIT_KEY_PREFIX": redis_prefix,
        "CONGDAN_VNEID_KEYS_FILE": str(KEYS_DIR / "vneid_keys.json"),
        "CONGDAN_API_KEYS_FILE": str(KEYS_DIR / "api_keys.json"),
    }
    for name in ("RATELIMIT_STORAGE_URI", "CONGDAN_VERIFY_RATE_LIMIT", "WORKERS"):
        env.pop(name, None)
    command = [*GUNICORN, "--workers", "2"]  # as `make run`
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [*command, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/livez", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        # Sixteen at a time, more than one worker's threads: both take requests.
        with ThreadPoolExecutor(16) as pool:
            codes = list(
                pool.map(
                    lambda _: (
                        httpx.post(
                            f"{base}/api/v1/transcripts/verify",
                            json={"credential": "not-a-credential"},
                            timeout=10,
                        ).status_code
                    ),
                    range(SENT),
                )
            )
        assert (codes.count(200), codes.count(429)) == (LIMIT, SENT - LIMIT), codes
    finally:
        server.terminate()
        server.wait(timeout=20)

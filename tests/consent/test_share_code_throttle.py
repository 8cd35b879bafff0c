"""Share-code guessing slows the guessing counter down, not the clinic everywhere."""

from __future__ import annotations

from tests.demo_ids import AN
from tests.problems import assert_problem


def _redeem(client, parties, code: str, address: str):
    return client.post(
        f"/api/v1/share-codes/{code}/redeem",
        headers=parties.clinic(),
        environ_overrides={"REMOTE_ADDR": address},
    )


def test_wrong_codes_at_one_counter_do_not_block_the_clinic_at_another(client, parties):
    for _ in range(5):
        wrong = _redeem(client, parties, "WRONG234", "192.0.2.61")
        assert_problem(wrong, 404, "share-code-invalid")
    assert wrong.headers["Retry-After"] == "1"
    throttled = _redeem(client, parties, "WRONG234", "192.0.2.61")
    assert_problem(throttled, 429, "share-code-throttled")

    created = client.post(
        "/api/v1/share-codes",
        json={"categories": ["allergies"]},
        headers=parties.stepped_up(AN),
    )
    assert created.status_code == 201
    redeemed = _redeem(client, parties, created.get_json()["code"], "192.0.2.62")
    assert redeemed.status_code == 201, redeemed.get_json()

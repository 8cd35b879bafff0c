"""State machines: what a spent offer still answers."""

from tests.wallet.conftest import redeem


def test_an_offer_spent_by_wrong_pins_is_no_longer_served(http, card_offer):
    wrong = "000000" if card_offer["tx_code"] != "000000" else "111111"
    for _ in range(5):
        answer = redeem(http, {**card_offer, "tx_code": wrong})
        assert answer.status_code == 400
    assert redeem(http, card_offer).status_code == 400  # spent
    again = http.get(card_offer["credential_offer_uri"])
    assert again.status_code == 404, (
        "the spent offer still hands out its pre-authorized code",
        again.json(),
    )

"""``flask seed-bulk``: a synthetic population that is valid, plausible and repeatable."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from app.extensions import db
from health_book import synthetic
from health_book.models import Immunization, Observation
from identity.models import Citizen, Guardianship
from identity.national_id import consistency_errors, format_errors


def test_the_same_seed_gives_the_same_world_and_another_seed_another():
    first = synthetic.generate_population(300, seed=5)
    again = synthetic.generate_population(300, seed=5)
    other = synthetic.generate_population(300, seed=6)
    assert first.citizens == again.citizens
    assert first.guardianships == again.guardianships
    assert list(synthetic.generate_records(first, 4, seed=5)) == list(
        synthetic.generate_records(again, 4, seed=5)
    )
    assert first.citizens != other.citizens


def test_every_synthetic_citizen_is_a_valid_entry_of_the_register():
    population = synthetic.generate_population(2_000, seed=11)
    numbers = [c["national_id"] for c in population.citizens]
    assert len(set(numbers)) == len(numbers)
    for person in population.citizens:
        assert format_errors(person["national_id"]) == []
        assert (
            consistency_errors(
                person["national_id"], person["birth_date"], person["sex"]
            )
            == []
        )
    born_here = sum(n.startswith("074") for n in numbers) / len(numbers)
    assert 0.5 < born_here < 0.7
    families = Counter(c["full_name"].split()[0] for c in population.citizens)
    assert families.most_common(1)[0][0] == "Nguyễn"


def test_guardians_are_adults_and_records_follow_age():
    population = synthetic.generate_population(2_000, seed=3)
    born = {c["id"]: c["birth_date"] for c in population.citizens}
    for link in population.guardianships:
        gap = born[link["ward_id"]].year - born[link["guardian_id"]].year
        assert 19 <= gap <= 45
    kinds = Counter(
        (kind, (synthetic.REFERENCE_DAY - born[row["citizen_id"]]).days < 6 * 365)
        for kind, row in synthetic.generate_records(population, 6, seed=3)
    )
    toddlers = sum(n for (_, small), n in kinds.items() if small)
    assert kinds[("immunizations", True)] / toddlers > 0.3
    total = sum(kinds.values())
    assert 5 * 2_000 < total < 7 * 2_000  # about six a citizen


def test_the_command_writes_it_once(app):
    runner = app.test_cli_runner()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Citizen))
    result = runner.invoke(
        args=[
            "seed-bulk",
            "--citizens",
            "400",
            "--records-per-citizen",
            "5",
            "--seed",
            "9",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "400 citizens" in result.output
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Citizen))
        == before + 400
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guardianship)) > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) > 100
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Immunization)) > 50
    again = runner.invoke(args=["seed-bulk", "--citizens", "400", "--seed", "9"])
    assert again.exit_code != 0
    assert "already in this database" in again.output


@pytest.mark.parametrize("citizens", [0, synthetic.MAX_CITIZENS + 1])
def test_sizes_out_of_range_are_refused(citizens):
    with pytest.raises(ValueError, match="citizens must be between"):
        synthetic.generate_population(citizens, seed=1)

"""The service section of the policy: complete defaults, and a clear error for each mistake."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from tierwise.settings.service import DEFAULT_TIERS, ServiceSettings, TeamMember


def _errors(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        ServiceSettings.model_validate(data)
    return str(info.value)


def test_default_is_valid_and_covers_the_default_tiers() -> None:
    service = ServiceSettings()
    assert tuple(service.tiers) == DEFAULT_TIERS
    assert service.problems_with_tiers(list(DEFAULT_TIERS)) == []


def test_default_survives_a_yaml_round_trip() -> None:
    service = ServiceSettings()
    text = yaml.safe_dump(service.model_dump(mode="json"), sort_keys=False)
    assert ServiceSettings.model_validate(yaml.safe_load(text)) == service


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for info in model.model_fields.values():
        args = getattr(info.annotation, "__args__", ()) or ()
        for candidate in (info.annotation, *args):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                found += _models(candidate)
    return found


def test_every_field_has_a_description_for_the_policy_file() -> None:
    extra = [ServiceSettings.model_fields[n].annotation for n in ("tiers", "tailoring", "team")]
    models = set(_models(ServiceSettings))
    for annotation in extra:
        models |= {a for a in annotation.__args__ if isinstance(a, type)} - {str}
    missing = [
        f"{m.__name__}.{name}"
        for m in models
        for name, info in m.model_fields.items()
        if not info.description
    ]
    assert missing == []
    assert {m.__name__ for m in models} >= {"TierServiceModel", "AccountTailoring", "TeamMember"}


def test_unknown_key_is_named() -> None:
    message = _errors({"alignment": {"tolerence": 0.3}})
    assert "alignment.tolerence" in message
    assert "Extra inputs are not permitted" in message


def test_negative_tier_hours_are_refused() -> None:
    data = {"tiers": {**_tiers(), "core": {"owner_role": "account_manager", "hours_per_month": -1}}}
    message = _errors(data)
    assert "tiers.core.hours_per_month" in message
    assert "-1" in message


def test_customer_share_above_one_is_refused() -> None:
    message = _errors(
        {"team": [{"name": "ann", "role": "key_account_manager", "customer_share": 1.5}]}
    )
    assert "team.0.customer_share" in message
    assert "1.5" in message


def test_tailoring_needs_a_reason() -> None:
    message = _errors({"tailoring": {"C042": {"extra_hours_per_month": 2}}})
    assert "tailoring.C042.reason" in message
    assert "Field required" in message


def test_tailoring_cannot_set_hours_two_ways() -> None:
    data = {
        "tailoring": {"C042": {"reason": "pilot", "hours_per_month": 5, "extra_hours_per_month": 1}}
    }
    message = _errors(data)
    assert "tailoring.C042" in message
    assert "keep one of them" in message


def test_tailoring_can_only_remove_a_promised_commitment() -> None:
    data = {"tailoring": {"C7": {"reason": "self-serve", "remove_commitments": ["free lunch"]}}}
    message = _errors(data)
    assert "service.tailoring.C7.remove_commitments" in message
    assert "free lunch" in message
    assert "exact words" in message


def test_team_names_must_be_unique() -> None:
    team = [
        {"name": "ann", "role": "key_account_manager"},
        {"name": "ann", "role": "account_manager"},
        {"name": "ivy", "role": "inside_sales"},
    ]
    message = _errors({"team": team})
    assert "service.team has 'ann' twice" in message


def test_tier_owner_role_must_be_in_the_team() -> None:
    message = _errors({"team": [{"name": "ann", "role": "key_account_manager"}]})
    assert "service.tiers.growth.owner_role = 'account_manager'" in message
    assert "add a team member with that role" in message
    assert "service.tiers.transactional.owner_role = 'inside_sales'" in message


def test_tier_response_time_never_slower_than_baseline() -> None:
    tiers = _tiers()
    tiers["core"]["response_time_hours"] = 72
    message = _errors({"tiers": tiers})
    assert (
        "service.tiers.core.response_time_hours = 72.0 is slower than the baseline 48.0" in message
    )
    assert "set it to 48.0 or less" in message


def test_cadence_and_optimiser_must_name_known_tiers() -> None:
    data = {"cadence": {"max_days_without_touch": {"platinum": 30}}, "optimiser": {"tier": "gold"}}
    message = _errors(data)
    assert "max_days_without_touch names tier 'platinum'" in message
    assert "service.optimiser.tier = 'gold'" in message


def test_cadence_days_must_be_positive() -> None:
    message = _errors({"cadence": {"max_days_without_touch": {"strategic": 0}}})
    assert "max_days_without_touch must be positive" in message


def test_every_cross_field_problem_is_listed_at_once() -> None:
    tiers = _tiers()
    tiers["core"]["response_time_hours"] = 72
    message = _errors({"tiers": tiers, "optimiser": {"tier": "gold"}})
    assert "response_time_hours" in message
    assert "optimiser.tier" in message


def test_problems_with_tiers_names_both_directions() -> None:
    problems = ServiceSettings().problems_with_tiers(["strategic", "growth", "core", "small"])
    text = "\n".join(problems)
    assert "service.tiers.transactional is not a tier of the segmentation section" in text
    assert "segmentation defines tier 'small' but service.tiers has no model for it" in text
    assert "add service.tiers.small" in text
    assert len(problems) == 2


def test_problems_with_tiers_checks_cadence_and_optimiser() -> None:
    problems = ServiceSettings().problems_with_tiers(["key", "growth", "core", "transactional"])
    text = "\n".join(problems)
    assert "service.cadence.max_days_without_touch.strategic" in text
    assert "service.optimiser.tier = 'strategic'" in text


def test_entitlement_after_tailoring() -> None:
    service = ServiceSettings.model_validate(
        {
            "tailoring": {
                "A": {"reason": "co-development", "extra_hours_per_month": 3},
                "B": {"reason": "self-serve portal", "extra_hours_per_month": -100},
                "C": {"reason": "board member", "hours_per_month": 12},
            }
        }
    )
    assert service.entitled_hours_per_month("growth", "A") == 6
    assert service.entitled_hours_per_month("growth", "B") == 0
    assert service.entitled_hours_per_month("core", "C") == 12
    assert service.entitled_hours_per_month("core", "Z") == 1


def test_hours_available_over_a_window() -> None:
    member = TeamMember(
        name="ann",
        role="kam",
        headcount=2,
        hours_per_week=40,
        customer_share=0.5,
        working_weeks_per_year=52,
    )
    # 2 people x 40 h x 50% x 2 weeks
    assert ServiceSettings().hours_available(member, 14) == pytest.approx(80)


def _tiers() -> dict[str, dict[str, Any]]:
    return ServiceSettings().model_dump()["tiers"]

"""SLA policies: seed defaults, presets, lookup order, TOML/dict loading, errors naming keys."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dispatch_core.errors import InvalidInputError, ScenarioError
from dispatch_core.model import Category, Priority, Role, SlaMetric
from dispatch_core.sla import (
    THRESHOLD_PRESETS,
    EscalationAction,
    SlaLevel,
    SlaPolicy,
    parse_duration,
)

M = SlaMetric


def test_default_policy_carries_the_design_seed_targets() -> None:
    p = SlaPolicy.default()
    assert p.metric_for("inquiry", None, M.FIRST_RESPONSE).target == timedelta(minutes=3)
    assert p.metric_for("repair", None, M.FIRST_RESPONSE).target == timedelta(minutes=15)
    assert p.metric_for("repair", None, M.ON_SITE).target == timedelta(hours=1)
    assert p.metric_for("repair", None, M.FEEDBACK).target == timedelta(hours=24)
    assert p.metric_for("complaint", None, M.RESOLUTION).target == timedelta(hours=48)
    assert p.metric_for("emergency", None, M.ON_SITE).target == timedelta(hours=2)
    assert SlaPolicy.preset("emergency_4h").metric_for(
        "emergency", "emergency", M.ON_SITE
    ).target == timedelta(hours=4)
    assert {c for r in p.rules for c in [r.category]} == set(Category)


def test_default_chain_and_delay_band_preset() -> None:
    warn = SlaPolicy.default().thresholds
    assert [(t.fraction, t.level, t.action, t.notify) for t in warn] == [
        (0.75, SlaLevel.YELLOW, EscalationAction.REALLOCATE, Role.AGENT),
        (1.0, SlaLevel.RED, EscalationAction.ESCALATE, Role.SUPERVISOR),
        (1.5, SlaLevel.RED, EscalationAction.ESCALATE, Role.MANAGER),
    ]
    bands = SlaPolicy.preset("delay_bands").thresholds
    assert bands == THRESHOLD_PRESETS["delay_bands"]
    assert [(t.fraction, t.strict) for t in bands][:2] == [(1.10, True), (1.20, True)]
    with pytest.raises(InvalidInputError):
        SlaPolicy.preset("lenient")


def test_most_specific_rule_wins() -> None:
    p = SlaPolicy.from_dict(
        {
            "rules": [
                {"metrics": [{"metric": "resolution", "target": "72h"}]},
                {"priority": "urgent", "metrics": [{"metric": "resolution", "target": "8h"}]},
                {"category": "repair", "metrics": [{"metric": "resolution", "target": "24h"}]},
                {
                    "category": "repair",
                    "priority": "urgent",
                    "metrics": [{"metric": "resolution", "target": "2h", "calendar": "office"}],
                },
            ]
        }
    )
    res = M.RESOLUTION
    assert p.metric_for(Category.REPAIR, Priority.URGENT, res).target == timedelta(hours=2)
    assert p.metric_for(Category.REPAIR, Priority.LOW, res).target == timedelta(hours=24)
    assert p.metric_for(Category.INQUIRY, Priority.URGENT, res).target == timedelta(hours=8)
    assert p.metric_for(Category.INQUIRY, Priority.LOW, res).target == timedelta(hours=72)
    assert p.calendar_names() == {"always", "office"}
    with pytest.raises(InvalidInputError) as info:
        p.metric_for("repair", "low", "on_site")
    assert info.value.field == "metric"
    with pytest.raises(InvalidInputError) as info:
        p.metric_for("plumbing", None, "on_site")
    assert info.value.field == "category"


def test_no_matching_rule() -> None:
    p = SlaPolicy.from_dict(
        {"rules": [{"category": "repair", "metrics": [{"metric": "on_site", "target": 60}]}]}
    )
    with pytest.raises(InvalidInputError) as info:
        p.rule_for("inquiry", None)
    assert info.value.field == "category"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15min", 900), ("1h30m", 5400), ("2d", 172800), ("90s", 90), ("3 min", 180), (45, 45)],
)
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_iso_durations_and_metric_chains() -> None:
    p = SlaPolicy.from_dict(
        {
            "thresholds": "delay_bands",
            "rules": [
                {
                    "metrics": [
                        {"metric": "on_site", "target": "PT2H"},
                        {
                            "metric": "feedback",
                            "target": "1d",
                            "thresholds": [
                                {"fraction": 0.5, "level": "yellow", "notify": "agent"},
                                {"fraction": 1.0, "level": "red", "action": "escalate"},
                            ],
                        },
                    ]
                }
            ],
        }
    )
    on_site, feedback = p.rules[0].metrics
    assert on_site.target == timedelta(hours=2)
    assert p.thresholds_for(on_site) == THRESHOLD_PRESETS["delay_bands"]
    assert [t.fraction for t in p.thresholds_for(feedback)] == [0.5, 1.0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rules": []}, "rules"),
        (
            {"rules": [{"metrics": [{"metric": "on_site", "target": "soon"}]}]},
            "rules.0.metrics.0.target",
        ),
        (
            {"rules": [{"metrics": [{"metric": "on_site", "target": -5}]}]},
            "rules.0.metrics.0.target",
        ),
        (
            {"rules": [{"metrics": [{"metric": "arrival", "target": 5}]}]},
            "rules.0.metrics.0.metric",
        ),
        ({"rules": [{"category": "plumbing", "metrics": []}]}, "rules.0.category"),
        (
            {"rules": [{"metrics": [{"metric": "on_site", "target": 5, "colour": 1}]}]},
            "rules.0.metrics.0.colour",
        ),
        (
            {"thresholds": "lenient", "rules": [{"metrics": [{"metric": "on_site", "target": 5}]}]},
            "thresholds",
        ),
        (
            {
                "thresholds": [
                    {"fraction": 1.0, "level": "red"},
                    {"fraction": 0.5, "level": "yellow"},
                ],
                "rules": [{"metrics": [{"metric": "on_site", "target": 5}]}],
            },
            "thresholds",
        ),
        (
            {
                "thresholds": [{"fraction": 0.5, "level": "green"}],
                "rules": [{"metrics": [{"metric": "on_site", "target": 5}]}],
            },
            "thresholds.0.level",
        ),
        (
            {
                "rules": [
                    {"metrics": [{"metric": "on_site", "target": 5}]},
                    {"metrics": [{"metric": "on_site", "target": 6}]},
                ]
            },
            "<root>",
        ),
        (
            {
                "rules": [
                    {
                        "metrics": [
                            {"metric": "on_site", "target": 5},
                            {"metric": "on_site", "target": 6},
                        ]
                    }
                ]
            },
            "rules.0.metrics",
        ),
    ],
)
def test_bad_policies_name_the_key(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        SlaPolicy.from_dict(data)
    assert info.value.field == field


TOML = """
thresholds = "warn"

[[rules]]
category = "repair"
metrics = [
  { metric = "first_response", target = "15min" },
  { metric = "on_site", target = "1h", calendar = "office" },
]

[[rules]]
category = "emergency"
[[rules.metrics]]
metric = "on_site"
target = "4h"
"""


def test_toml_round_trip(tmp_path: Path) -> None:
    p = SlaPolicy.from_toml(TOML)
    assert p.metric_for("emergency", None, "on_site").target == timedelta(hours=4)
    path = tmp_path / "policy.toml"
    path.write_text(TOML, encoding="utf-8")
    assert SlaPolicy.from_toml(path) == p


def test_toml_errors_name_key_and_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        SlaPolicy.from_toml(TOML.replace('target = "4h"', 'target = "four hours"'))
    assert info.value.field == "rules.1.metrics.0.target"
    assert info.value.line == 15
    with pytest.raises(ScenarioError) as info:
        SlaPolicy.from_toml(TOML.replace('"1h", calendar', '"1h", calender'))
    assert info.value.field == "rules.0.metrics.1.calender"
    assert info.value.line == 8
    with pytest.raises(ScenarioError) as info:
        SlaPolicy.from_toml("rules = [")
    assert info.value.field == "<toml>"
    assert info.value.line == 1
    with pytest.raises(ScenarioError) as info:
        SlaPolicy.from_toml(tmp_path / "missing.toml")
    assert info.value.field == "path"
    with pytest.raises(ScenarioError) as info:
        SlaPolicy.from_toml('thresholds = "warn"\nrules = [ = 1\n')
    assert info.value.line == 2

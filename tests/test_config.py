"""Config: validated at start-up; a wrong or missing key is one clear line, no traceback."""
import subprocess
import sys
import tomllib

import pytest

from bot.config import ConfigError, load_settings, parse_settings
from tests.conftest import ROOT

EXAMPLE = ROOT / "config.example.toml"


def example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_the_example_config_is_valid_and_has_the_policy_defaults():
    settings = load_settings(EXAMPLE, env={})
    assert settings.policy.director_limit_wan == 5  # P4
    assert settings.policy.minutes_due_hours == 24  # P9
    assert settings.policy.weekly_report_due == "FRI 17:00"  # P10
    assert settings.timezone == "Asia/Shanghai"
    assert [s.role for s in settings.policy.chains["procurement"]] == ["department_head", "finance", "ceo"]
    assert settings.policy.chains["procurement"][2].min_amount_wan == 5.0
    assert settings.policy.rotation_interval_years == 2 and settings.policy.promotion_quarters == 4  # P2, P13
    assert settings.policy.promotion_review == "12-15"
    assert [(k.department, k.name, k.unit, k.target) for k in settings.policy.kpis] == [("innovation", "服务满意度", "%", 90)]
    zhangsan = next(p for p in settings.org.people if p["userid"] == "zhangsan")
    assert (zhangsan["joined"], zhangsan["group_since"]) == ("2022-07-01", "2023-03-01")  # P2


@pytest.mark.parametrize("mutate, expected", [
    (lambda c: c["wecom"].pop("corp_id"), "wecom.corp_id: missing"),
    (lambda c: c["wecom"].update(agent_id="abc"), "wecom.agent_id: expected"),
    (lambda c: c["wecom"].update(encoding_aes_key="short"), "wecom.encoding_aes_key: expected the 43-character"),
    (lambda c: c["server"].update(port=70000), "server.port: expected 1–65535"),
    (lambda c: c["server"].update(colour="blue"), "server.colour: unknown key"),
    (lambda c: c["scheduler"].update(timezone="Mars/Base"), "scheduler.timezone: unknown time zone"),
    (lambda c: c["policy"].update(weekly_report_due="Friday 5pm"), "policy.weekly_report_due: expected a weekday"),
    (lambda c: c["policy"].update(minutes_due_hours=True), "policy.minutes_due_hours: expected an integer"),
    (lambda c: c["org"]["people"][0].update(department="nowhere"), "org.people[0].department: 'nowhere'"),
    (lambda c: c["org"]["roles"].update(ceo="ghost"), "org.roles.ceo: 'ghost' is not a userid"),
    (lambda c: c["policy"]["chains"]["procurement"][0].update(role="boss"), "policy.chains.procurement[0].role"),
    (lambda c: c["org"]["people"][2].update(group_since="2023-13-01"), 'org.people[2].group_since: expected a date'),
    (lambda c: c["org"]["people"][2].update(joined=2023), "org.people[2].joined: expected a date"),
    (lambda c: c["policy"]["kpis"][0].update(department="sales"), "policy.kpis[0].department: 'sales'"),
    (lambda c: c["policy"]["kpis"][0].pop("name"), "policy.kpis[0].name: missing"),
    (lambda c: c["policy"].update(promotion_review="15-12"), "policy.promotion_review: expected MM-DD"),
    (lambda c: c["policy"].update(self_evaluation_due_day=0), "policy.self_evaluation_due_day: expected a number ≥ 1"),
])
def test_a_wrong_or_missing_key_names_the_key(mutate, expected):
    config = example()
    mutate(config)
    with pytest.raises(ConfigError) as info:
        parse_settings(config)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_environment_overrides_the_secrets(tmp_path):
    settings = load_settings(EXAMPLE, env={"WECOM_SECRET": "from-env-secret", "WECOM_AGENT_ID": "1000009",
                                           "DATABASE_URL": "sqlite:///elsewhere.db"})
    assert settings.wecom.secret == "from-env-secret"
    assert settings.wecom.agent_id == 1000009
    assert settings.database_url == "sqlite:///elsewhere.db"
    assert "from-env-secret" not in repr(settings)


def test_the_program_stops_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace('corp_id = "ww0123456789abcdef"', ""), encoding="utf-8")
    result = subprocess.run([sys.executable, "app.py", "db", "upgrade", "--config", str(bad)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "config error: wecom.corp_id: missing; expected your CorpID (管理后台 → 我的企业 → 企业ID), or set WECOM_CORP_ID"]
    assert "Traceback" not in result.stderr


def test_a_missing_config_file_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "app.py", "serve", "--config", str(tmp_path / "nope.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_top_level_section_is_refused_at_start_up():
    from app import build_runtime
    config = example()
    config["meeetings"] = {"recurring": []}
    settings = parse_settings(config)
    with pytest.raises(ConfigError, match="meeetings: unknown key"):
        build_runtime(settings)


def test_userids_that_differ_only_by_letter_case_are_refused():
    # WeCom userids ignore case: ZhangSan and zhangsan are one account (issue 9).
    config = example()
    people = config["org"]["people"]
    people.append({**people[-1], "userid": people[0]["userid"].upper()})
    with pytest.raises(ConfigError, match=r"org\.people\[\d+\]\.userid: '.*' differs from '.*' only by letter case"):
        parse_settings(config)


def test_the_callback_age_limit_defaults_to_a_day():
    assert parse_settings(example()).wecom.max_callback_age_hours == 24
    config = example()
    config["wecom"]["max_callback_age_hours"] = -1
    with pytest.raises(ConfigError, match="wecom.max_callback_age_hours: expected a number of hours ≥ 0"):
        parse_settings(config)

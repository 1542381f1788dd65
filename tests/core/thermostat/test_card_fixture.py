from card_fixture import ENGINE_KEYS, FIXTURE, engine_keys, text  # type: ignore[import-not-found]


def test_the_card_tests_use_what_the_engine_answers_today():
    assert FIXTURE.read_text(encoding="utf-8") == text(), "run python -m tests.core.thermostat.card_fixture"


def test_the_card_tests_know_every_explanation_code_and_source_kind():
    assert ENGINE_KEYS.read_text(encoding="utf-8") == engine_keys(), (
        "run python -m tests.core.thermostat.card_fixture"
    )

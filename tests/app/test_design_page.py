"""Design page through AppTest: a full set-up to a running experiment, refusal, exports, drafts."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from experiments import design, experiment
from experiments.design import AudienceFilter
from experiments.store import design_sql as ds
from experiments.store import open_store

from .conftest import APP

SALT = "design-page-test"  # fixed, so the assignment (and its A/A check) is the same every run
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def media(monkeypatch) -> list[MemoryMediaFileStorage]:
    """Every in-memory media store AppTest creates, to read what a download button would serve."""
    stores: list[MemoryMediaFileStorage] = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, media_endpoint: str) -> None:
            super().__init__(media_endpoint)
            stores.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recording)
    return stores


def downloaded(stores: list[MemoryMediaFileStorage], button) -> tuple[str | None, bytes]:
    """(file name, bytes) a download button serves."""
    served = stores[-1].get_file(button.proto.url.rsplit("/", 1)[-1])
    return served.filename, bytes(served.content)


def design_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/design.py").run()
    assert not at.exception, at.exception
    return at


def run(element) -> AppTest:
    at = element.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def count(value: int) -> str:
    return f"{value:,}"  # the Formatter's English: '1,577' (pages/_ui.count)


def set_up(at: AppTest, name: str, gift_name: str = "surprise gift") -> AppTest:
    """Name, audience filters, a gift and a discount arm, metrics, stratification."""
    at.session_state["d_salt"] = SALT
    run(at.text_input(key="d_name").input(name))
    run(at.number_input(key="d_recency_max").set_value(180.0))
    run(at.multiselect(key="d_channels").set_value(["web", "app"]))
    run(at.button(key="add_gift").click())
    gift_uid, _ = at.session_state["d_arms"][-1]
    run(at.text_input(key=f"arm{gift_uid}_name").input(gift_name))
    run(at.number_input(key=f"arm{gift_uid}_gift_cost").set_value(250.0))
    run(at.button(key="add_discount").click())
    discount_uid, _ = at.session_state["d_arms"][-1]
    run(at.number_input(key=f"arm{discount_uid}_discount_pct").set_value(15.0))
    run(at.text_area(key="d_hypothesis").input("A gift brings lapsing customers back for less."))
    run(at.multiselect(key="d_secondary").set_value(["net_value_90d", "orders"]))
    run(at.multiselect(key="d_guardrails").set_value(["margin_per_customer"]))
    return run(at.selectbox(key="d_stratify").set_value("rfm_segment"))


def test_full_set_up_starts_a_frozen_balanced_experiment(app_env, media):
    at = set_up(design_page(), "Gift vs 15% off")
    filters = AudienceFilter(recency_max=180.0, channels=("web", "app"))
    with open_store(app_env).cursor() as cur:
        audience = ds.audience(cur, filters).customers
        inputs = ds.planner_inputs(cur, filters, 60)
    assert 0 < audience < 4000
    assert metric(at, "Audience") == count(audience)

    # planner: customers needed for +3 pp, then the lift the audience can detect
    arms = (
        design.ArmSpec("control", "control"),
        design.ArmSpec("surprise gift", "gift", gift_cost=250.0),
        design.ArmSpec("10% off", "discount", discount_pct=15.0, redemption_share=0.4),
    )
    need = design.plan(inputs, arms, lift_pp=3.0, lift_money=150.0)
    assert need.comparisons == 2 and need.alpha_per_comparison == pytest.approx(0.025)
    assert metric(at, "Customers for +3 pp repeat rate") == count(need.required_total_repeat)
    at = run(at.radio(key="p_mode").set_value("detect"))
    detect = design.plan(inputs, arms)
    assert metric(at, "Detectable repeat-rate lift") == f"+{detect.detectable_lift_pp:.1f} pp"

    # preview: balance table per arm and a passing A/A check before launch
    balance = at.dataframe[-1].value
    assert list(balance["arm"]) == ["control", "surprise gift", "10% off"]
    assert balance["n"].sum() == audience
    assert any("A/A check passed" in s.value for s in at.success)

    at = run(at.button(key="start_button").click())
    assert any("is running" in s.value for s in at.success)
    with open_store(app_env).cursor() as cur:
        stored = experiment.load(cur, "Gift vs 15% off")
        assignments = ds.assignment_list(cur, stored.id)
    assert stored.status == "running" and stored.started_at is not None
    assert stored.spec().salt == SALT and stored.spec().stratify_by == "rfm_segment"
    assert [a.name for a in stored.spec().arms] == ["control", "surprise gift", "10% off"]
    assert stored.spec().arms[1].gift_cost == 250.0 and stored.spec().arms[2].discount_pct == 15.0
    assert stored.spec().secondary_metrics == ("net_value_90d", "orders")
    assert stored.spec().guardrails == ("margin_per_customer",)
    assert len(assignments) == stored.customers == audience
    # stratified by RFM segment: within every segment each arm has n/3 customers, +-1
    per_stratum = assignments.groupby(["stratum", "arm"]).size().unstack(fill_value=0)
    sizes = per_stratum.sum(axis=1)
    assert ((per_stratum.sub(sizes / 3, axis=0)).abs() <= 1).all().all()

    # the page now shows the frozen experiment; editing its arms is refused with the reason
    assert at.selectbox(key="design_experiment").value == "Gift vs 15% off"
    at = run(at.button(key="edit_frozen_arms").click())
    assert any("The arms cannot be changed" in e.value and "running" in e.value for e in at.error)
    with open_store(app_env).cursor() as cur:
        assert experiment.load(cur, "Gift vs 15% off").spec().arms == stored.spec().arms
        assert ds.assignment_list(cur, stored.id).equals(assignments)


def test_export_downloads_are_escaped_csv_with_bom(app_env, media):
    at = set_up(design_page(), "Формула test", gift_name="=HYPERLINK(evil)")
    at = run(at.button(key="start_button").click())
    file_name, content = downloaded(media, at.download_button(key="export_csv"))
    assert file_name == "Формула test-assignments.csv"
    with open_store(app_env).cursor() as cur:
        stored = experiment.load(cur, "Формула test")
        expected = design.assignments_csv(ds.assignment_list(cur, stored.id))
    assert content == expected
    assert content.startswith(BOM)
    frame = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str)
    # each kind's cost fields travel with the list, so it re-imports with its costs
    costs = ["discount_pct", "redemption_share", "gift_cost"]
    assert list(frame.columns) == ["customer_id", "arm", "arm_kind", *costs]
    assert set(frame.loc[frame["arm_kind"] == "gift", "gift_cost"]) == {"250"}
    assert frame.loc[frame["arm_kind"] != "gift", "gift_cost"].isna().all()
    assert "'=HYPERLINK(evil)" in set(frame["arm"])
    assert not frame["arm"].str.startswith("=").any()
    assert len(frame) == stored.customers
    _, semicolon = downloaded(media, at.download_button(key="export_csv_semicolon"))
    assert semicolon.startswith(BOM + b"customer_id;arm;arm_kind;" + ";".join(costs).encode())
    assert at.download_button(key="export_xlsx").proto.deferred_file_id  # built on click


def test_draft_is_saved_and_reloads_into_the_form(app_env):
    at = set_up(design_page(), "Draft gift")
    at = run(at.button(key="save_button").click())
    assert any("Draft 'Draft gift' saved" in s.value for s in at.success)
    with open_store(app_env).cursor() as cur:
        draft = experiment.load(cur, "Draft gift")
    assert draft.status == "draft" and draft.customers == 0

    fresh = design_page()  # a new session: the form is filled from the stored draft
    fresh = run(fresh.selectbox(key="design_experiment").set_value("Draft gift"))
    assert fresh.text_input(key="d_name").value == "Draft gift"
    assert fresh.number_input(key="d_recency_max").value == 180.0
    assert fresh.multiselect(key="d_channels").value == ["web", "app"]
    assert [kind for _, kind in fresh.session_state["d_arms"]] == ["control", "gift", "discount"]
    assert fresh.selectbox(key="d_stratify").value == "rfm_segment"
    # editing a draft is allowed: a higher gift cost is saved over the same draft
    run(fresh.number_input(key="arm1_gift_cost").set_value(400.0))
    fresh = run(fresh.button(key="save_button").click())
    with open_store(app_env).cursor() as cur:
        again = experiment.load(cur, "Draft gift")
    assert again.id == draft.id and again.spec().arms[1].gift_cost == 400.0


def test_bad_filters_and_incomplete_designs_cannot_start(app_env):
    at = design_page()
    at.session_state["d_salt"] = SALT  # a random salt fails the A/A check 1 time in 20
    assert at.button(key="start_button").disabled  # no name, no lever yet
    run(at.text_input(key="d_name").input("Bad"))
    run(at.button(key="add_gift").click())
    run(at.number_input(key="d_recency_min").set_value(200.0))
    at = run(at.number_input(key="d_recency_max").set_value(100.0))
    errors = [e.value.replace("\\", "") for e in at.error]  # the page escapes Markdown
    assert any("Recency: the minimum (200) is above the maximum (100)" in e for e in errors)
    assert at.button(key="start_button").disabled
    at = run(at.number_input(key="d_recency_min").set_value(0.0))
    assert not at.error and not at.button(key="start_button").disabled


def test_experiment_from_an_uploaded_assignment_file(app_env, media):
    rows = ["customer_id,group", *(f"C{i:05d},{'control' if i % 2 else 'sms'}" for i in range(40))]
    at = design_page()
    at.file_uploader(key="assign_file").set_value(("crm.csv", "\n".join(rows).encode(), "text/csv"))
    run(at.text_input(key="assign_name").input("CRM sms"))
    run(at.date_input(key="assign_sent").set_value(date(2026, 9, 1)))  # sent weeks ago
    at = run(at.button(key="assign_button").click())
    assert any("'CRM sms' created from crm.csv" in s.value for s in at.success)
    with open_store(app_env).cursor() as cur:
        stored = experiment.load(cur, "CRM sms")
        assigned = cur.execute(
            "SELECT DISTINCT assigned_at FROM assignments WHERE experiment_id = ?",
            [stored.id],
        ).fetchall()
    assert stored.status == "running" and stored.source == "uploaded" and stored.customers == 40
    # outcomes count from the day the list was sent, not from the upload
    assert stored.started_at == datetime(2026, 9, 1) and assigned == [(datetime(2026, 9, 1),)]
    assert {a.name: a.kind for a in stored.spec().arms} == {"control": "control", "sms": "custom"}
    _, content = downloaded(media, at.download_button(key="export_csv"))
    assert content.count(b"\r\n") == 41

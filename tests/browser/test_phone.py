"""The emulator page on a phone (390 px wide) and on a laptop (1280 px): the guide and the address
book are reachable from the header on both, and the page has one ``#contacts-panel`` (issue 30)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect


def _within(page, selector: str, width: int) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (selector, box)


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 860)])
def test_the_guide_and_the_address_book_are_reachable(page, site, shot, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{site.http.url}/emulator/")
    expect(page.locator("#whoami")).not_to_contain_text("正在加载")
    assert page.locator("#contacts-panel").count() == 1
    guide = page.locator("#guide")
    if guide.is_visible():  # the first visit opens it by itself: close it, then open it from the header
        page.locator("#guide-close").click()
    expect(guide).to_be_hidden()
    page.locator("#guide-open").click()
    expect(guide).to_be_visible()
    expect(page.locator("#guide-body")).to_contain_text("采购申请")
    _within(page, "#guide", width)
    shot(f"{width}-guide")
    page.locator("#guide-close").click()
    page.locator("#contacts-toggle").click()
    expect(page.locator("#contacts-panel")).to_be_visible()
    expect(page.locator("#contacts-panel")).to_contain_text("通讯录")
    _within(page, "#contacts-panel", width)
    for selector in ("#guide-open", "#contacts-toggle", "#clock-toggle"):
        _within(page, selector, width)
    shot(f"{width}-contacts")

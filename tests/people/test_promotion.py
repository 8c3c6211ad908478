"""Promotion and rewards (P2, P13, P14): four 优秀 quarters in a row tell the director and HR, the
annual promotion review lists the year's ratings, KPI figures and commendations, 表彰 by the
director only, and the promotion list only for the director and HR."""
from datetime import datetime

from tests.chat import texts, wait_text
from tests.conftest import FixedClock, wait_until
from tests.people.helpers import TZ, rate, run, wait_eval_card

# The first working day after each quarter (2026-01-04 is a make-up working Sunday).
OPENINGS = [("2025Q4", datetime(2026, 1, 4, 10, 0, tzinfo=TZ)), ("2026Q1", datetime(2026, 4, 1, 10, 0, tzinfo=TZ)),
            ("2026Q2", datetime(2026, 7, 1, 10, 0, tzinfo=TZ)), ("2026Q3", datetime(2026, 10, 8, 10, 0, tzinfo=TZ))]
REVIEW_DAY = datetime(2026, 12, 15, 10, 0, tzinfo=TZ)


def test_four_excellent_quarters_trigger_the_promotion_notice_and_the_annual_list(start_bot):
    clock = FixedClock(OPENINGS[0][1])
    # Four quarters of ratings in a few seconds: more than WeCom's 30 messages a minute to the leader,
    # which the outbox would rightly hold back for a minute. This test is about the ratings.
    bot = start_bot(clock=clock, wecom={"messages_per_person_minute": 1000})
    card_count = 0
    for i, (quarter, opens) in enumerate(OPENINGS):
        clock.current = opens
        run(bot, "superior_evaluation_reminder", opens)
        card_count += 1
        zhangsan = wait_eval_card(bot, "lizuzhang", card_count)
        assert zhangsan["main_title"]["title"] == f"{quarter[:4]}年第{quarter[-1]}季度评估 · 张三"
        rate(bot, "lizuzhang", zhangsan, "优秀", kpi=str(91 + i), comment="很好")
        card_count += 1
        rate(bot, "lizuzhang", wait_eval_card(bot, "lizuzhang", card_count), "良好")
        if i < 3:  # P13: not before the fourth consecutive 优秀
            assert not any("晋升提示" in t for t in texts(bot, "wangzong") + texts(bot, "yangrenshi"))
    for recipient in ("wangzong", "yangrenshi"):
        notice = wait_text(bot, recipient, "晋升提示")
        assert "张三（项目协调组）已连续 4 个季度评为优秀（2025Q4—2026Q3），符合晋升条件" in notice
    assert not any("晋升提示" in t for t in texts(bot, "zhangsan") + texts(bot, "lizuzhang"))
    # P14: the director commends; the person is told; others may not
    clock.current = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    bot.say("lizuzhang", "表彰 张三 客户满意度第一")
    assert "表彰由总监记录" in wait_text(bot, "lizuzhang", "表彰由总监记录")
    bot.say("wangzong", "表彰 张三 客户满意度季度第一")
    assert "已记录对 张三 的表彰" in wait_text(bot, "wangzong", "已记录对")
    assert "客户满意度季度第一" in wait_text(bot, "zhangsan", "表彰了你")
    # the annual review: the director and HR get the year's list
    assert run(bot, "promotion_review", datetime(2026, 12, 14, 10, 0, tzinfo=TZ)) == []
    run(bot, "promotion_review", REVIEW_DAY)
    for recipient in ("wangzong", "yangrenshi"):
        listing = wait_text(bot, recipient, "## 2026年度晋升评审名单")
        assert "**张三**（项目协调组） ✅ 符合晋升条件\nQ1 优秀 · Q2 优秀 · Q3 优秀 · Q4 —" in listing
        assert "KPI 服务满意度：Q1 92% · Q2 93% · Q3 94%（目标 90%，超额 3 次）" in listing
        assert "表彰：11月20日（周五） 客户满意度季度第一" in listing
        assert "**李四**（项目协调组）\nQ1 良好 · Q2 良好 · Q3 良好 · Q4 —" in listing
        assert "很好" not in listing  # comments stay with the person, the rater and the director
    assert run(bot, "promotion_review", REVIEW_DAY) == []  # once
    bot.say("yangrenshi", "晋升名单")
    assert "符合晋升条件" in wait_until(lambda: [t for t in texts(bot, "yangrenshi") if "## 2026年度晋升评审名单" in t][1:])[0]
    bot.say("zhangsan", "晋升名单")
    assert "只有总监和人力资源" in wait_text(bot, "zhangsan", "晋升名单")

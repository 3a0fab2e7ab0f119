"""Text on the pages: Markdown made from user text and from the app's sentences shows them as they are."""

import re

from sim.i18n import language
from sim.present import labels
from ui.text import plain, unbroken


def _words(markdown: str) -> str:
    return re.sub(r'<span style="white-space: nowrap">(.*?)</span>', r"\1", markdown)


def test_a_signed_amount_of_money_is_kept_on_one_line_and_its_words_unchanged():
    """Issue 24: on a phone a line ended "Revenue: −" and the next began "€19,500". Every signed amount is
    wrapped in a no-wrap span; the text people read, copy and the tests' number parsers see stays the same."""
    line = "Revenue: " + labels.likely("revenue", -19_500.0, -36_516.0, -2_455.0)
    shown = unbroken(plain(line))
    kept = re.findall(r'<span style="white-space: nowrap">(.*?)</span>', shown)
    assert kept == ["−€19,500", "−€36,516", "−€2,455"]
    assert _words(shown) == plain(line)
    first = unbroken(plain(labels.difference("revenue", 3_100.0) + " more"))  # a line's first "+" is escaped
    assert first == '<span style="white-space: nowrap">\\+€3,100</span> more'


def test_only_signed_money_is_wrapped_and_user_text_stays_escaped():
    text = unbroken(plain("30-day activation +3.5 pts; <b>bold</b> €5 −0.3%"))
    assert "<span" not in text and "\\<b\\>" in text  # nothing to keep together; the user's tags stay text
    with language("da"):
        danish = plain(labels.difference("revenue", -19_500.0))  # "−19.500 €": the no-break space holds it
    assert unbroken(danish) == danish

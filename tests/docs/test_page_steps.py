"""How a page is read as steps, and which pages the tests follow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.pages import PageError, missing_lines, parse

PAGE = """
Run this:

<!-- in another terminal: server; ready at http://127.0.0.1:8000/readyz -->
```sh
dcmx up
```

```text
DCMX is up …
```

<!-- exit: 1 -->
```sh
dcmx reward pay 3
```

<!-- ctrl-c: server -->

<!-- not run: needs the network -->
```sh
git clone https://example.org/dcmx
```

<!-- save as: dcmx.toml -->
```toml
api_port = 8080
```
"""


def test_a_page_is_read_as_its_steps_in_order() -> None:
    steps = parse(PAGE)
    assert [s.kind for s in steps] == ["shell", "shell", "ctrl-c", "not run", "save"]
    assert (steps[0].terminal, steps[0].ready) == ("server", "http://127.0.0.1:8000/readyz")
    assert steps[0].output == "DCMX is up …\n"
    assert steps[1].exit_code == 1
    assert steps[3].path == "needs the network"
    assert (steps[4].path, steps[4].code) == ("dcmx.toml", "api_port = 8080\n")


def test_a_block_of_another_language_needs_a_marker() -> None:
    with pytest.raises(PageError, match="a js block needs a marker"):
        parse("```js\nconsole.log(1)\n```\n")


def test_an_output_block_must_follow_a_command() -> None:
    with pytest.raises(PageError, match="follows no command"):
        parse("```text\nhello\n```\n")


def test_a_marker_must_be_right_before_its_block() -> None:
    with pytest.raises(PageError, match="not right before a block"):
        parse("<!-- exit: 1 -->\nSome text.\n```sh\nfalse\n```\n")


def test_output_lines_are_found_in_order_with_wildcards() -> None:
    output = 'published release 2 \'Second Light\': up to 10\n│ tx │\n{"a":1}{"b":2}\n'
    assert missing_lines('published release 2 …\n{"b":2}', output) == []
    assert missing_lines('{"b":2}\npublished release 2 …', output) == ["published release 2 …"]
    assert missing_lines("released 3", output) == ["released 3"]


def test_every_tutorial_and_how_to_page_is_followed_by_a_test() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    followed = set(
        re.findall(r'"([\w-]+\.md)"', (Path(__file__).parent / "test_pages.py").read_text())
    )
    pages = {p.name for p in (*docs.glob("tutorial/*.md"), *docs.glob("how-to/*.md"))}
    assert pages <= followed, sorted(pages - followed)

"""Redirect targets after login: only paths on this site, whatever the query string carries."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from portal.web.safe_url import safe_path

ORIGIN = 'https://portal.example'
EVIL = ['/\\host/evil', '/\\\\host/evil', '/\t/host/evil', '//evil',
        '///evil', '\\\\evil', 'https://evil', 'HTTPS://evil/x', 'javascript:alert(1)', ' javascript:alert(1)',
        'java\tscript:alert(1)', 'data:text/html,<script>', '/\n/evil', '\x00//evil', ' //evil', '\x7f//evil',
        '/\r\n/evil', 'evil.com', 'http:/evil', 'http:evil', '\\/evil', '/\\/evil', '//evil/%2e%2e', '', '\u3000//evil']


def same_origin(path: str) -> bool:
    """What a browser does with the answer: a path-absolute reference resolves on the page's own origin."""
    resolved = urlsplit(urljoin(f'{ORIGIN}/login', path))
    return (path.startswith('/') and not path.startswith('//') and '\\' not in path
            and not any(ord(c) <= 0x20 or 0x7f <= ord(c) <= 0x9f for c in path)
            and f'{resolved.scheme}://{resolved.netloc}' == ORIGIN)


def test_the_corpus_of_open_redirects_lands_home():
    for target in EVIL:
        assert safe_path(target) == '/', repr(target)


def test_paths_on_this_site_are_kept():
    for target in ('/', '/r/shipments', '/r/shipments?queue=to_ship', '/settings#password', '/a:b', '/x?next=//y'):
        assert safe_path(target) == target
    assert safe_path('/r/ship\tments') == '/r/shipments'          # what a browser would have read anyway
    assert safe_path(None) == '/' and safe_path(42) == '/'
    for odd in ('/%09/host/evil', '/\u00a0/evil'):      # still encoded / not stripped by browsers: paths here
        assert same_origin(safe_path(odd))


@given(st.text())
@example('/\\evil')
@example('/\t/evil')
@example('/%09/evil')
@example('/[')
@example('/?\\x')
def test_any_input_gives_a_same_origin_path(target):
    assert same_origin(safe_path(target))


@given(st.text(alphabet=st.characters(blacklist_categories=('Cc', 'Cs', 'Zs', 'Zl', 'Zp'),
                                      blacklist_characters='\\/#?%\x85\xa0'), min_size=1))
def test_plain_paths_pass_unchanged(segment):
    assert safe_path(f'/r/{segment}') == f'/r/{segment}'

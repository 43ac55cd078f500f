"""Redirect targets from untrusted input reduced to same-origin paths (no open redirects)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

HOME = '/'
# what browsers drop or rewrite while parsing a URL: they strip leading/trailing C0 controls and spaces, remove
# tab/CR/LF anywhere and read a backslash as a slash — so '/\host' and '/\t/host' both become '//host'
_CONTROL = re.compile(r'[\x00-\x20\x7f-\x9f]')


def safe_path(target: object) -> str:
    """`target` if it is a path on this site (with its query and fragment), else '/'. The answer is what was checked:
    control characters and whitespace are removed and backslashes become slashes before it is judged."""
    if not isinstance(target, str):
        return HOME
    text = _CONTROL.sub('', target.replace('\\', '/'))
    if not text.startswith('/') or text.startswith('//'):
        return HOME
    try:
        parts = urlsplit(text)
    except ValueError:       # e.g. an unbalanced '[' read as an IPv6 host
        return HOME
    if parts.scheme or parts.netloc or not parts.path.startswith('/') or parts.path.startswith('//'):
        return HOME
    result = urlunsplit(('', '', parts.path, parts.query, parts.fragment))
    return result if result.startswith('/') and not result.startswith('//') else HOME

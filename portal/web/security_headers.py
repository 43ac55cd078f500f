"""Security headers on every HTTP response (pages, API, static files, redirects, refusals) via `secure`."""
from __future__ import annotations

from secure import (
    ContentSecurityPolicy,
    CrossOriginOpenerPolicy,
    ReferrerPolicy,
    Secure,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware import SecureASGIMiddleware

SELF, NONE = "'self'", "'none'"
# NiceGUI forces the two 'unsafe-' sources: its page template carries inline <script>s (import map, start-up with
# the page's elements) without a nonce, and Vue's template compiler, `:`-prefixed props (AG Grid options) and
# run_javascript evaluate code with eval/new Function. Inline event-handler attributes (`<img onerror=…>`) are not
# needed by NiceGUI and stay forbidden (script-src-attr 'none'); Quasar and the Tailwind runtime set inline styles.
# The API docs page (Swagger UI) is served from the package's own files under this policy too: no CDN anywhere.
SCRIPTS = (SELF, "'unsafe-inline'", "'unsafe-eval'")


def policy() -> ContentSecurityPolicy:
    return (ContentSecurityPolicy()
            .default_src(SELF)
            .script_src(*SCRIPTS)
            .script_src_attr(NONE)
            .style_src(SELF, "'unsafe-inline'")
            .img_src(SELF, 'data:', 'blob:')
            .font_src(SELF, 'data:')
            .connect_src(SELF)
            .object_src(NONE)
            .base_uri(SELF)
            .form_action(SELF)
            .frame_ancestors(NONE))


def secure_headers() -> Secure:
    return Secure(csp=policy(), xfo=XFrameOptions().deny(), xcto=XContentTypeOptions().nosniff(),
                  referrer=ReferrerPolicy().same_origin(), coop=CrossOriginOpenerPolicy().same_origin())


class SecurityHeaders:
    """Outermost portal middleware (pure ASGI): every response gets the headers."""

    def __init__(self, app) -> None:
        self.strict = SecureASGIMiddleware(app, secure=secure_headers())

    async def __call__(self, scope, receive, send) -> None:
        await self.strict(scope, receive, send)

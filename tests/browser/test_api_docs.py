"""Issue 22: the REST API's interactive docs render in Chromium with no internet (Swagger UI from the package)."""
from __future__ import annotations

from urllib.parse import urlparse


def test_api_docs_render_with_no_network(session_factory):
    s = session_factory('admin')
    portal = urlparse(s.url).netloc
    elsewhere: list[str] = []

    def offline(route) -> None:
        """Every request that leaves the portal fails, as it would on a machine without internet."""
        if urlparse(route.request.url).netloc == portal:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort('internetdisconnected')
    s.page.route('**/*', offline)
    s.page.goto(f'{s.url}/api/v1/docs')
    s.page.locator('.swagger-ui .opblock').first.wait_for()          # the operations, drawn from openapi.json
    assert s.page.locator('.swagger-ui .opblock').count() > 10
    assert s.page.get_by_text('/registers/{key}/rows', exact=True).first.is_visible()
    assert s.page.locator('.swagger-ui .authorize').count() == 1     # bearer auth declared (securitySchemes)
    assert elsewhere == []                                            # it asked nothing of the internet
    s.shot('api-docs-offline')

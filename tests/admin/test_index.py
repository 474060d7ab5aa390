"""The admin index is the editors' workbench: review queue count and links to the tools."""

from django.urls import reverse


def test_an_editor_sees_every_tool(editor_client):
    page = editor_client.get(reverse("admin:index")).content.decode()
    for name in ("intake_article", "bundle_import", "bundle_export", "admin-reports-export"):
        assert f'href="{reverse(name)}"' in page
    assert "open flag" in page


def test_a_researcher_sees_exports_but_no_writing_tools(researcher_client):
    page = researcher_client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("admin-reports-export")}"' in page
    assert f'href="{reverse("intake_article")}"' not in page
    assert f'href="{reverse("bundle_import")}"' not in page

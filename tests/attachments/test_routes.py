"""GET /attachments/<id>: only for users who may see a linked subject (else 404); safe headers; logged."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app import attachments
from app.auth.permissions import can_view_enterprise
from app.extensions import db as _db
from app.org.models import Enterprise
from tests.factories.files import JPEG, PDF, file_storage


@pytest.fixture
def linked(db, world, access_registry):
    """A photo of enterprise ent_a (龙城镇), visible to whoever may view that enterprise."""
    access_registry(
        "enterprises", lambda user, ent_id: can_view_enterprise(user, _db.session.get(Enterprise, ent_id))
    )
    att = attachments.store(file_storage(JPEG, "现场 照片（一）.jpg"), actor=world.manager_a)
    attachments.link(att, world.ent_a, "photos")
    db.session.commit()
    return att


def test_viewer_of_linked_subject_can_download_with_safe_headers(login, world, linked):
    r = login(world.officer).get(f"/attachments/{linked.id}")
    assert r.status_code == 200
    assert r.data == JPEG
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "filename*=UTF-8''" + quote("现场 照片（一）.jpg") in disposition
    assert r.headers["Cache-Control"] == "no-store"  # evidence stays in no cache (issue #11 item 6)
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert r.headers["ETag"].strip('"') == linked.sha256


def test_enterprise_manager_of_that_enterprise_can_download(login, world, linked):
    assert login(world.manager_a).get(f"/attachments/{linked.id}").status_code == 200


@pytest.mark.parametrize("who", ["manager_b", "other_officer"])
def test_user_without_access_gets_404(login, world, linked, who):
    r = login(getattr(world, who)).get(f"/attachments/{linked.id}")
    assert r.status_code == 404
    assert "附件不存在，或您无权查看" in r.get_data(as_text=True)


def test_missing_id_is_the_same_404(login, world):
    assert login(world.officer).get("/attachments/424242").status_code == 404


def test_unregistered_subject_type_grants_nothing(login, db, world, access_registry):
    att = attachments.store(file_storage(JPEG), actor=world.officer)
    attachments.link(att, world.ent_a, "photos")  # no check registered for "enterprises" here
    db.session.commit()
    assert login(world.officer).get(f"/attachments/{att.id}").status_code == 404  # not even the uploader


@pytest.fixture
def unlinked(db, world):
    att = attachments.store(file_storage(PDF, "整改报告.pdf", "application/pdf"), actor=world.manager_a)
    db.session.commit()
    return att


def test_uploader_sees_own_unlinked_upload(login, world, unlinked):
    r = login(world.manager_a).get(f"/attachments/{unlinked.id}?download=1")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["Content-Security-Policy"].startswith("sandbox;")  # PDFs too (issue #11 item 6)


def test_others_do_not_see_an_unlinked_upload(login, world, unlinked):
    assert login(world.manager_b).get(f"/attachments/{unlinked.id}").status_code == 404


def test_uploader_loses_access_once_linked_to_a_subject_they_cannot_see(
    login, db, world, unlinked, access_registry
):
    access_registry(
        "enterprises", lambda user, ent_id: can_view_enterprise(user, _db.session.get(Enterprise, ent_id))
    )
    attachments.link(unlinked, world.ent_b)
    db.session.commit()
    assert login(world.manager_a).get(f"/attachments/{unlinked.id}").status_code == 404


def test_anonymous_is_sent_to_login(app, db, world):
    att = attachments.store(file_storage(JPEG), actor=world.officer)
    db.session.commit()
    r = app.test_client().get(f"/attachments/{att.id}")
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]


def test_a_broken_access_check_denies(login, db, world, access_registry):
    def broken(user, subject_id):
        raise RuntimeError("boom")

    access_registry("enterprises", broken)
    att = attachments.store(file_storage(JPEG), actor=world.officer)
    attachments.link(att, world.ent_a)
    db.session.commit()
    assert login(world.officer).get(f"/attachments/{att.id}").status_code == 404


def test_download_is_audited_once_not_on_revalidation(login, db, world, linked):
    audit = pytest.importorskip("app.audit")
    if not hasattr(audit, "history"):
        pytest.skip("app.audit not ready")
    client = login(world.officer)
    r = client.get(f"/attachments/{linked.id}")
    r2 = client.get(f"/attachments/{linked.id}", headers={"If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 304
    downloads = [e for e in audit.history(linked) if e.action == "attachment.downloaded"]
    assert len(downloads) == 1 and downloads[0].actor_id == world.officer.id

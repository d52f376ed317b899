"""Evidence (证据): SHA-256 taken at upload and checked on every download, a
tampered file refused, and the limits on file type and size."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Evidence
from cases.services import evidence_attach, evidence_open_verified
from ecoenforce.errors import ConflictError
from tests.factories import OfficerFactory, case_walk

pytestmark = pytest.mark.django_db

PHOTO = b"\xff\xd8\xff\xe0" + "排污口现场照片".encode() * 100


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def upload(case, actor, name="排污口.jpg", content=PHOTO, **kwargs):
    return evidence_attach(
        case=case, uploaded_file=SimpleUploadedFile(name, content), actor=actor, **kwargs
    )


def test_the_hash_is_taken_at_upload(case, inspector, media):
    evidence = upload(case, inspector, description="2024-05-06 检查时拍摄")
    evidence.refresh_from_db()
    assert evidence.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        "排污口.jpg",
        "image/jpeg",
        len(PHOTO),
    )
    assert evidence.uploaded_by == inspector
    assert f"{case.pk}/{evidence.sha256[:2]}/{evidence.sha256}-" in evidence.file.name
    assert stored_files(media) == [media / evidence.file.name]
    assert (media / evidence.file.name).read_bytes() == PHOTO


def test_a_download_checks_the_hash_and_serves_the_file(case, inspector, media):
    evidence = upload(case, inspector)
    with evidence_open_verified(Evidence.objects.get(pk=evidence.pk)) as handle:
        assert handle.read() == PHOTO


@pytest.mark.parametrize(
    "tamper",
    [
        lambda content: content + b"\x00",
        lambda content: content[:10] + bytes([content[10] ^ 1]) + content[11:],  # same size
        lambda content: b"",
    ],
    ids=["appended", "one-bit", "emptied"],
)
def test_a_tampered_file_is_refused(case, inspector, media, tamper):
    evidence = upload(case, inspector)
    path = media / evidence.file.name
    path.write_bytes(tamper(PHOTO))
    with pytest.raises(ConflictError) as excinfo:
        evidence_open_verified(Evidence.objects.get(pk=evidence.pk))
    assert (excinfo.value.status, excinfo.value.code, excinfo.value.message) == (
        409,
        "evidence_tampered",
        "证据文件与上传时的 SHA-256 校验值不一致，可能已被篡改，已拒绝下载",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("木马.exe", "不支持的文件类型 .exe"),
        ("page.html", "不支持的文件类型 .html"),
        ("无扩展名", "不支持的文件类型 （无扩展名）"),
    ],
)
def test_a_file_of_another_type_is_refused(case, inspector, media, refused, name, message):
    with refused(case, "unsupported_file_type", message=message) as excinfo:
        upload(case, inspector, name=name)
    assert ".pdf" in excinfo.value.message  # the accepted types are listed
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("询问笔录.PDF", "application/pdf"),
        (
            "监测报告.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("执法记录仪.mp4", "video/mp4"),
    ],
)
def test_accepted_types_are_typed_by_their_extension(case, inspector, media, name, content_type):
    assert upload(case, inspector, name=name).content_type == content_type


def test_a_file_over_the_size_limit_is_refused(case, inspector, media, refused, settings):
    settings.ECOENFORCE_EVIDENCE_MAX_BYTES = 1024 * 1024
    with refused(case, "file_too_large", message="文件超过 1 MB 上限"):
        upload(case, inspector, name="视频截图.png", content=b"\x89PNG" + b"0" * (1024 * 1024 - 3))
    assert stored_files(media) == []
    exactly = upload(
        case, inspector, name="视频截图.png", content=b"\x89PNG" + b"0" * (1024 * 1024 - 4)
    )
    assert exactly.size == 1024 * 1024


def test_an_empty_file_is_refused(case, inspector, media, refused):
    with refused(case, "empty_file", message="文件为空"):
        upload(case, inspector, content=b"")
    assert stored_files(media) == []


def test_no_evidence_is_added_to_a_closed_case(case, approver, inspector, media, refused):
    case = case_walk(case, "closed", approver=approver)
    with refused(case, "case_read_only", error=ConflictError):
        upload(case, inspector)
    assert stored_files(media) == []


def test_evidence_for_a_case_of_another_region_is_not_found(case, media, refused):
    bazhou_inspector = OfficerFactory(roles=["inspector"], regions=["131081"]).user
    with refused(case, "not_found"):
        upload(case, bazhou_inspector)
    assert stored_files(media) == []


def test_the_same_file_twice_is_kept_twice_under_one_hash(case, inspector, media):
    first = upload(case, inspector, description=f"{date(2024, 5, 6)} 第一次")
    second = upload(case, inspector, description="重复上传")
    assert first.sha256 == second.sha256
    assert first.file.name != second.file.name
    assert len(stored_files(media)) == 2

"""`broadcast users` and `broadcast web` on the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.web.accounts import Accounts


def run(station_dir, *args, stdin=None):
    return CliRunner().invoke(cli, ["--station", str(station_dir), *args], input=stdin)


def test_users_add_list_passwd_remove(station_dir):
    assert "Chưa có tài khoản nào" in run(station_dir, "users", "list").output
    added = run(station_dir, "users", "add", "can-bo-vh", "--role", "bien-tap", "--password-stdin",
                stdin="mat-khau-rat-dai\n")
    assert added.exit_code == 0 and "Biên tập" in added.output
    prompted = run(station_dir, "users", "add", "chu-tich", "--role", "duyet", stdin="mat-khau-2-dai\nmat-khau-2-dai\n")
    assert prompted.exit_code == 0, prompted.output
    listing = run(station_dir, "users", "list").output
    assert "can-bo-vh" in listing and "chu-tich" in listing and "Duyệt" in listing
    accounts = Accounts(station_dir / "var")
    assert accounts.verify("chu-tich", "mat-khau-2-dai") is not None
    assert run(station_dir, "users", "passwd", "chu-tich", "--password-stdin", stdin="doi-mat-khau-moi\n").exit_code == 0
    assert accounts.verify("chu-tich", "mat-khau-2-dai") is None and accounts.verify("chu-tich", "doi-mat-khau-moi")
    assert run(station_dir, "users", "remove", "chu-tich").exit_code == 0
    assert accounts.get("chu-tich") is None


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("users", "add", "Cán Bộ", "--role", "bien-tap", "--password-stdin"), "mat-khau-dai\n", "không hợp lệ"),
    (("users", "add", "can-bo", "--role", "bien-tap", "--password-stdin"), "ngan\n", "quá ngắn"),
    (("users", "add", "can-bo", "--role", "admin", "--password-stdin"), "mat-khau-dai\n", "admin"),
    (("users", "remove", "khong-co"), None, "không có tài khoản"),
    (("users", "passwd", "khong-co", "--password-stdin"), "mat-khau-dai\n", "không có tài khoản"),
])
def test_users_bad_input_is_one_message_and_exit_2(station_dir, args, stdin, message):
    result = run(station_dir, *args, stdin=stdin)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_web_binds_loopback_and_warns_for_the_lan(station_dir, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    quiet = run(station_dir, "web")
    assert quiet.exit_code == 0 and calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8080
    assert "CẢNH BÁO" not in quiet.output and "Chưa có tài khoản" in quiet.output
    lan = run(station_dir, "web", "--host", "0.0.0.0", "--port", "8181")
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 8181
    assert "CẢNH BÁO" in lan.output and "mạng" in lan.output

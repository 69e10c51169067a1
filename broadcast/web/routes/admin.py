"""Tài khoản (quản trị): add an account, disable or enable one, set a new password; the code behind `broadcast users`."""

from __future__ import annotations

import secrets

from starlette.responses import RedirectResponse

from broadcast.errors import InputError
from broadcast.web.accounts import ROLES
from broadcast.web.auth import route
from broadcast.web.html import flash, page
from broadcast.web.routes.status import admin_context

ADMINS = ("quan-tri",)


def _again(request, message: str, form, status: int = 400):
    context = admin_context(request.app.state.console)
    context.update(message=message, draft={"name": str(form.get("name", ""))[:40],
                                           "role": str(form.get("role", ""))})
    return page(request, "admin.html", context, status=status)


def _sentence(exc: InputError) -> str:
    text = exc.message
    return text[:1].upper() + text[1:] + "."


def add_account(request, form):
    console = request.app.state.console
    name, role = str(form.get("name", "")).strip(), str(form.get("role", ""))
    password = str(form.get("password", ""))
    if role not in ROLES:
        return _again(request, "Chọn vai trò cho tài khoản mới.", form)
    if any(a.name == name for a in console.accounts.list()):
        return _again(request, f"Tài khoản '{name}' đã có: dùng nút Đặt lại mật khẩu ở dòng của tài khoản đó.", form)
    generated = not password
    password = password or secrets.token_urlsafe(9)
    try:
        console.accounts.add(name, role, password)
    except InputError as exc:
        return _again(request, _sentence(exc), form)
    console.audit.record(console.now(), request.scope["user"].name, "user-add", name, ROLES[role])
    flash(request, f"Đã thêm tài khoản {name} ({ROLES[role]})."
          + (f" Mật khẩu tạm: {password} (chỉ hiện một lần, người dùng nên đổi)." if generated else ""))
    return RedirectResponse("/quan-tri#tai-khoan", status_code=303)


def set_disabled(request, form):
    console = request.app.state.console
    name = request.path_params["name"]
    me = request.scope["user"].name
    disable = form.get("action") == "disable"
    if name == me and disable:
        return _again(request, "Không tự khóa tài khoản đang dùng: nhờ một người quản trị khác.", form)
    try:
        console.accounts.set_disabled(name, disable)
    except InputError as exc:
        return _again(request, _sentence(exc), form, status=404)
    console.audit.record(console.now(), me, "user-disable" if disable else "user-enable", name, "")
    flash(request, f"Đã khóa tài khoản {name}: không đăng nhập được nữa." if disable
          else f"Đã mở khóa tài khoản {name}.")
    return RedirectResponse("/quan-tri#tai-khoan", status_code=303)


def reset_password(request, form):
    console = request.app.state.console
    name = request.path_params["name"]
    password = str(form.get("password", ""))
    generated = not password
    password = password or secrets.token_urlsafe(9)
    try:
        console.accounts.set_password(name, password)
    except InputError as exc:
        return _again(request, _sentence(exc), form, status=404 if "không có" in exc.message else 400)
    console.audit.record(console.now(), request.scope["user"].name, "user-reset", name, "")
    flash(request, f"Đã đặt mật khẩu mới cho {name}; các phiên đăng nhập cũ của tài khoản này đã hết."
          + (f" Mật khẩu tạm: {password} (chỉ hiện một lần)." if generated else ""))
    return RedirectResponse("/quan-tri#tai-khoan", status_code=303)


ROUTES = [
    route("/quan-tri/tai-khoan", add_account, roles=ADMINS, methods=("POST",)),
    route("/quan-tri/tai-khoan/{name}/khoa", set_disabled, roles=ADMINS, methods=("POST",)),
    route("/quan-tri/tai-khoan/{name}/mat-khau", reset_password, roles=ADMINS, methods=("POST",)),
]

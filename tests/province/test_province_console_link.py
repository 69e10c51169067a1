"""A bulletin written on the province console's page reaches a commune's listener, signed, through `province serve`."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime

from bulletin_helpers import BROADCAST, TZ, wait_for
from console_helpers import PASSWORD, bulletin_form, client_for, light_hashes, open_console

from broadcast.play.spool import INCOMING, DaemonLock
from broadcast.province.bulletins.listener import Listener, commune_for_station
from broadcast.station.config import load_station


def test_a_khan_cap_bulletin_written_on_the_page_airs_in_a_commune_and_its_cancel_ends_it(province, monkeypatch):
    base, db, key_path, _, stations = province
    light_hashes(monkeypatch)
    console = open_console(db, key_path, lambda: datetime.now(TZ))      # the commune's listener reads this clock too
    root = stations[0]
    lock = DaemonLock(root / "var" / "spool")                # a running daemon, as far as the airing knows
    lock.acquire()
    commune, _ = commune_for_station(load_station(root))
    listener = Listener(commune, base, wait_s=20, timeout_s=5, tick_s=0.2).start()
    try:
        leader = client_for(console, "duyet")
        form = bulletin_form(id="bao-tu-trang", expires="31/12/2099 23:00")
        assert leader.post("/viet", form).status_code == 303
        assert leader.post("/nhap/bao-tu-trang/gui", {"confirm": "yes"}).status_code == 303
        meta_file = wait_for(lambda: next((root / "var" / "spool" / INCOMING).glob("*.json"), None))
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        assert meta["priority"] == "khan-cap" and meta["bulletin"] == "bao-tu-trang"
        assert (root / "var" / "spool" / INCOMING / meta["audio"]).is_file()
        assert commune.inbox.get("bao-tu-trang")["state"] == "dang-lap-lai"
        assert leader.post("/ban-tin/bao-tu-trang/huy", {"confirm": "yes", "reason": "Bão đã tan"}).status_code == 303
        wait_for(lambda: commune.inbox.get("bao-tu-trang")["state"] == "da-huy")
    finally:
        listener.stop()
        lock.release()
        console.close()


def test_province_users_add_and_list_an_argon2_account_beside_the_database(tmp_path):
    db = tmp_path / "tinh.sqlite"
    added = subprocess.run([*BROADCAST, "province", "users", "--db", str(db), "add", "lanh-dao", "--role", "duyet",
                            "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert added.returncode == 0 and "Đã thêm tài khoản lanh-dao (Duyệt)" in added.stdout, added.stderr
    listed = subprocess.run([*BROADCAST, "province", "users", "--db", str(db), "list"], capture_output=True, text=True,
                            timeout=120)
    assert "lanh-dao" in listed.stdout
    users = json.loads((tmp_path / "tinh-web" / "users.json").read_text(encoding="utf-8"))["users"]
    assert users["lanh-dao"]["hash"].startswith("$argon2") and PASSWORD not in json.dumps(users)

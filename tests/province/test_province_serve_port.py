"""The province server helper moves to another port when the free one it chose was taken before it bound it,
and the commune configurations that name the port follow (a failure of the shared machine, not the product)."""

from __future__ import annotations

import socket

from bulletin_helpers import province_serve


def test_a_port_taken_before_the_province_server_binds_it_is_replaced_and_the_configs_follow(station_dir):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))                   # held, as another process's connection holds its port
    port = taken.getsockname()[1]
    config = station_dir / "broadcast.toml"
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[province]\nsource = "http://127.0.0.1:{port}/xa-001"\n')
    with taken:
        process, served_on = province_serve(["--stations", str(station_dir)], port, [config])
    try:
        assert served_on != port and process.poll() is None
        assert f'source = "http://127.0.0.1:{served_on}/xa-001"' in config.read_text(encoding="utf-8")
    finally:
        process.terminate()
        process.wait(60)
        process.stdout.close()
        process.stderr.close()

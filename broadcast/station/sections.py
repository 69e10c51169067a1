"""The settings of broadcast.toml: one frozen dataclass per section, each key with its default and meaning."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit


def setting(default: Any, doc: str, *, choices: tuple[Any, ...] | None = None,
            minimum: float | None = None, maximum: float | None = None) -> Any:
    """A documented setting: the default, what it means, and the values it may take."""
    meta = {"doc": doc, "choices": choices, "min": minimum, "max": maximum}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class StationSection:
    """[station]: who is on air."""

    name: str = setting("Hòa An", "Tên xã, đọc trong lời mở đầu: 'Đài Truyền thanh xã {name}'.")
    station_title: str = setting("", "Tên đài đầy đủ; để trống thì là 'Đài Truyền thanh xã {name}'.")
    district: str = setting("", "Tên huyện (nếu còn cấp huyện); để trống nếu không dùng.")
    province: str = setting("", "Tên tỉnh.")
    service_centre: str = setting("Trung tâm Phục vụ hành chính công xã",
                                  "Tên nơi tiếp nhận và trả kết quả thủ tục hành chính của xã "
                                  "(từ 01/7/2025, Nghị định 118/2025/NĐ-CP), đọc nguyên văn trong các "
                                  "bài; mẫu dùng biến {{ ten_trung_tam }}.")
    timezone: str = setting("Asia/Ho_Chi_Minh", "Múi giờ của đài (IANA).")


@dataclass(frozen=True)
class SpeechSection:
    """[speech]: which TTS engines speak, in order of preference."""

    engines: list = setting(["espeak"], "Thứ tự máy đọc: ví dụ [\"gtts\", \"espeak\"]; "
                            "máy sau đọc thay cả chương trình khi máy trước lỗi.")
    voice: str = setting("vi", "Giọng espeak: vi (Bắc), vi-vn-x-central (Trung), vi-vn-x-south (Nam).",
                         choices=("vi", "vi-vn-x-central", "vi-vn-x-south"))
    rate: int = setting(120, "Tốc độ đọc của espeak (từ/phút); 120 dễ nghe nhất khi đo (make bench-voice).",
                        minimum=80, maximum=450)
    pitch: int = setting(50, "Cao độ giọng espeak (0-99).", minimum=0, maximum=99)
    pitch_range: int = setting(99, "Biên độ lên xuống giọng espeak (0 đều đều - 99 nhiều ngữ điệu); "
                               "99 dễ nghe nhất khi đo (make bench-voice).", minimum=0, maximum=99)
    word_gap: int = setting(6, "Khoảng nghỉ thêm giữa các từ của espeak (đơn vị 10 ms); 6 dễ nghe nhất khi đo.",
                            minimum=0, maximum=50)
    edge_voice: str = setting("vi-VN-HoaiMyNeural", "Giọng edge (mạng): vi-VN-HoaiMyNeural (nữ) "
                              "hoặc vi-VN-NamMinhNeural (nam).",
                              choices=("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"))
    edge_rate: int = setting(0, "Tốc độ đọc edge, phần trăm nhanh (+) hay chậm (-) hơn bình thường.",
                             minimum=-50, maximum=50)
    piper_voice: str = setting("", "Tên giọng Piper đã cài (broadcast voices); để trống nếu chỉ cài một giọng.")
    voices_dir: str = setting("voices", "Thư mục chứa giọng Piper (.onnx và .onnx.json).")
    gtts_slow: bool = setting(False, "gTTS đọc chậm.")
    gtts_tld: str = setting("com.vn", "Tên miền Google dùng cho gTTS.")
    timeout_s: float = setting(10.0, "Thời gian chờ tối đa mỗi yêu cầu gTTS/edge (giây).",
                               minimum=1, maximum=120)
    retries: int = setting(3, "Số lần thử lại gTTS/edge khi lỗi mạng, 429, 5xx.", minimum=0, maximum=10)
    preferred_deadline_h: float = setting(2.0, "Khi máy đọc ưu tiên lỗi: trình phát dựng lại (thử lại "
                                          "giãn dần) đến trước buổi phát bao nhiêu giờ; quá hạn thì "
                                          "phát bằng giọng dự phòng.", minimum=0, maximum=24)
    cache_dir: str = setting(".cache/tts", "Thư mục lưu giọng đọc đã tổng hợp.")
    fake_delay_s: float = setting(0.0, "Máy đọc giả (fake): chờ bấy nhiêu giây mỗi lần đọc, để thử như máy đọc "
                                  "trực tuyến hay máy đọc nơ-ron (đo hiệu năng).", minimum=0, maximum=10)


@dataclass(frozen=True)
class NormalizeSection:
    """[normalize]: how numbers and words are read (regional preferences)."""

    zero_tens: str = setting("linh", "Số 105 đọc 'một trăm linh năm' hay 'lẻ năm'.",
                             choices=("linh", "lẻ"))
    thousand: str = setting("nghìn", "Đọc 'nghìn' (Bắc) hay 'ngàn' (Nam).", choices=("nghìn", "ngàn"))
    four_after_tens: str = setting("tư", "24 đọc 'hai mươi tư' hay 'hai mươi bốn'.",
                                   choices=("tư", "bốn"))
    mung: bool = setting(True, "Ngày 1-10 đọc 'mùng một'... ")
    pronunciations: str = setting("pronunciations.tsv",
                                  "Từ điển riêng của đài: chữ viết tắt, tên thôn (TAB giữa hai cột).")


@dataclass(frozen=True)
class AudioSection:
    """[audio]: the programme files."""

    format: str = setting("mp3", "Định dạng tệp chương trình.", choices=("mp3", "wav"))
    sample_rate: int = setting(22050, "Tần số lấy mẫu (Hz); 22050 là tần số gốc của espeak và dễ nghe hơn "
                               "44100 qua MP3 64k khi đo (make bench-voice).",
                               choices=(16000, 22050, 24000, 32000, 44100, 48000))
    bitrate: str = setting("64k", "Tốc độ bit MP3 (loa nén chỉ cần mono 64k).")
    target_lufs: float = setting(-16.0, "Độ to tích hợp mục tiêu (LUFS, EBU R128).", minimum=-30, maximum=-8)
    true_peak_dbtp: float = setting(-1.0, "Đỉnh thực tối đa (dBTP).", minimum=-9, maximum=0)
    signature_tune: str = setting("assets/nhac_hieu.wav",
                                  "Tệp nhạc hiệu; nếu chưa có, đài tự tạo một đoạn nhạc hiệu ngắn.")


@dataclass(frozen=True)
class ProgrammeSection:
    """[programme]: the furniture between items."""

    gap_s: float = setting(1.0, "Khoảng lặng giữa các mục (giây).", minimum=0, maximum=10)
    repeat_gap_s: float = setting(1.5, "Khoảng lặng trước 'Xin nhắc lại' (giây).", minimum=0, maximum=10)
    require_approval: bool = setting(True, "Chỉ phát thông báo đã được lãnh đạo UBND duyệt (status: approved).")
    chars_per_second: float = setting(13.0, "Tốc độ đọc ước tính để lập lịch (ký tự/giây).",
                                      minimum=5, maximum=40)


@dataclass(frozen=True)
class PathsSection:
    """[paths]: where things live, relative to the station directory."""

    scripts: str = setting("scripts_vi", "Thư mục mẫu kịch bản.")
    schedules: str = setting("schedules", "Thư mục lịch phát.")
    audio_out: str = setting("audio_out", "Thư mục chương trình đã dựng.")
    state: str = setting("var", "Thư mục trạng thái (nhật ký phát, hàng đợi khẩn).")
    log_db: str = setting("var/asrun.sqlite", "Nhật ký phát sóng (SQLite).")
    spool: str = setting("var/spool", "Hàng đợi thông báo khẩn gửi cho trình phát đang chạy.")


@dataclass(frozen=True)
class PlayoutSection:
    """[playout]: how the daemon puts programmes on air."""

    output: str = setting("device", "Đầu ra: device (loa máy), file (ghi tệp), icecast, null.",
                          choices=("device", "file", "icecast", "null"))
    device: str = setting("default", "Thiết bị âm thanh (PulseAudio/ALSA).")
    file_dir: str = setting("var/playout", "Thư mục của đầu ra 'file'.")
    grace_minutes: float = setting(10.0, "Trễ tối đa vẫn phát (phút); quá thì ghi 'lỡ'.", minimum=0, maximum=120)
    interrupted_policy: str = setting(
        "resume", "Chương trình bị ngắt (thông báo khẩn, máy dừng): resume = phát tiếp từ mục đang phát khi bị "
        "ngắt (trong thời gian cho phép tính từ lúc ngắt); restart = phát lại từ đầu (trong thời gian cho phép "
        "tính từ giờ phát); interrupted = chỉ ghi nhật ký 'bị ngắt'. Tên cũ: replay = restart, log = interrupted.",
        choices=("resume", "restart", "interrupted", "replay", "log"))
    build_ahead: str = setting("20:00", "Giờ dựng sẵn chương trình ngày hôm sau (HH:MM).")
    heartbeat_s: int = setting(60, "Nhịp ghi nhật ký (giây).", minimum=5, maximum=3600)
    fallback: str = setting("silence", "Khi tệp chương trình hỏng: 'silence' hoặc đường dẫn tệp dự phòng.")
    urgent_repeat: int = setting(2, "Số lần đọc thông báo khẩn.", minimum=1, maximum=5)
    relay_connect_timeout_s: float = setting(10.0, "Tiếp âm trực tiếp (relay url): chờ kết nối hoặc dữ liệu tối đa "
                                             "bao nhiêu giây thì coi là mất luồng và phát tệp dự phòng.",
                                             minimum=1, maximum=120)


@dataclass(frozen=True)
class IcecastSection:
    """[icecast]: streaming to IP loudspeaker clusters."""

    url: str = setting("icecast://127.0.0.1:8000/dai-xa.mp3", "Địa chỉ nguồn Icecast (không ghi mật khẩu ở đây).")
    user: str = setting("source", "Tài khoản nguồn.")
    password: str = setting("", "Mật khẩu nguồn; nên dùng biến môi trường thay vì ghi ở đây.")
    password_env: str = setting("BROADCAST_ICECAST_PASSWORD", "Biến môi trường chứa mật khẩu nguồn.")


@dataclass(frozen=True)
class ReportSection:
    """[report]: the periodic report to the level above."""

    recipient: str = setting("Ủy ban nhân dân tỉnh", "Nơi nhận báo cáo ('Kính gửi: ...'); từ 01/7/2025 chính "
                             "quyền địa phương hai cấp nên mặc định là tỉnh, ví dụ 'Sở Văn hóa tỉnh ...'.")
    cutoff: str = setting("calendar", "Kỳ báo cáo: calendar (theo tháng dương lịch) hoặc nd09 "
                          "(từ ngày 15 tháng trước đến 14 tháng này, Nghị định 09/2019).",
                          choices=("calendar", "nd09"))
    signer_title: str = setting("CHỦ TỊCH", "Chức danh người ký.")
    signer_name: str = setting("", "Họ tên người ký.")
    number: str = setting("…/BC-UBND", "Số hiệu báo cáo.")
    place: str = setting("", "Địa danh ghi ở dòng ngày tháng; để trống thì là tên xã.")
    out_dir: str = setting("reports", "Thư mục ghi báo cáo (.docx, .md, .csv, .xlsx, biểu đồ .png).")


@dataclass(frozen=True)
class ProvinceSection:
    """[province]: a commune inside a province build (shared content, shared speech, delivery)."""

    include: str = setting("", "Thư mục nội dung chung của tỉnh (scripts_vi/ và schedules/), ví dụ \"../tinh\"; "
                           "mẫu và lịch của xã được ưu tiên khi trùng tên. Để trống nếu không dùng.")
    cache: str = setting("", "Bộ nhớ giọng đọc dùng chung khi dựng cả tỉnh (thư mục chung mọi máy cùng thấy, "
                         "NFS trên cụm máy); để trống thì dùng cache_dir của [speech].")
    signing_key: str = setting("", "Tệp khóa ký riêng của tỉnh (chỉ có trên máy chủ tỉnh, tạo bằng "
                               "'broadcast province keygen'); để trống thì ngày dựng không được ký.")
    public_key: str = setting("", "Khóa công khai của tỉnh (Ed25519, base64) để kiểm tra chương trình tải về.")
    source: str = setting("", "Địa chỉ chương trình của xã trên máy chủ tỉnh, ví dụ \"http://10.0.0.5:8790/xa-hoa-an\"; "
                          "có địa chỉ thì 'broadcast run' tải chương trình về thay vì tự dựng.")
    timeout_s: float = setting(30.0, "Thời gian chờ tối đa mỗi yêu cầu tải về (giây).", minimum=1, maximum=600)
    tags: list = setting([], "Nhãn của xã để tỉnh gửi bản tin theo nhóm, ví dụ [\"ven-bien\", \"huyen-cu-hai-lang\"].")
    approve_bulletins: bool = setting(False, "Bản tin ưu tiên của tỉnh chờ lãnh đạo xã duyệt trước khi phát "
                                      "(mặc định phát ngay trong chương trình kế tiếp).")
    report_every_s: int = setting(300, "Bao lâu gửi báo cáo phát sóng lên tỉnh một lần (giây).", minimum=30, maximum=86400)
    transport: str = setting("long-poll", "Cách nhận bản tin của tỉnh: long-poll (giữ một yêu cầu chờ, đi qua mọi "
                             "proxy) hoặc sse (luồng sự kiện Server-Sent Events, nhận ngay, nối lại từ số "
                             "bản tin cuối).", choices=("long-poll", "sse"))


@dataclass(frozen=True)
class LimitsSection:
    """[limits]: how much one input may cost, so a mistake fails fast instead of filling the machine."""

    schedule_max_kb: int = setting(1024, "Kích thước tối đa một tệp lịch phát hoặc tệp dữ liệu YAML (KB); "
                                   "1 MB là khoảng 5.000 thông báo.",
                                   minimum=16, maximum=65536)
    yaml_max_nodes: int = setting(200_000, "Số giá trị tối đa trong một tệp YAML, kể cả khi mở các bí "
                                  "danh '*' (chặn tệp 'bom' lồng bí danh).", minimum=1000, maximum=10_000_000)
    yaml_max_aliases: int = setting(1000, "Số lần dùng bí danh '*' tối đa trong một tệp YAML.",
                                    minimum=0, maximum=1_000_000)
    text_max_chars: int = setting(10_000, "Số ký tự tối đa của một mục (một thông báo, một kỳ chuyên "
                                  "mục) sau khi điền mẫu; khoảng 13 phút đọc.", minimum=500, maximum=200_000)
    render_max_steps: int = setting(200_000, "Số bước tối đa khi điền một mẫu (mỗi vòng lặp, lời gọi, "
                                    "phần tử range); chặn vòng lặp lồng nhau chạy mãi.",
                                    minimum=1000, maximum=100_000_000)


@dataclass(frozen=True)
class WebSection:
    """[web]: the station console (broadcast web)."""

    host: str = setting("127.0.0.1", "Địa chỉ lắng nghe; 127.0.0.1 chỉ máy này. 0.0.0.0 mở cho mạng LAN của xã.")
    port: int = setting(8080, "Cổng của bảng điều khiển.", minimum=1, maximum=65535)
    public_url: str = setting("", "Địa chỉ công khai khi chạy sau reverse proxy có TLS (Caddy, nginx), ví dụ "
                              "\"https://dai.xa-hoa-an.vn\": cookie đăng nhập chỉ gửi qua https và chỉ nhận tên "
                              "máy này (cùng 127.0.0.1, localhost). Để trống: chỉ nhận 127.0.0.1, localhost, "
                              "địa chỉ IP trong mạng LAN và các tên trong hosts.")
    hosts: list = setting([], "Tên máy khác được phép gõ trên trình duyệt, ví dụ [\"may-dai.local\"]; "
                          "tên lạ bị từ chối (400).")
    trusted_proxies: str = setting("127.0.0.1", "Địa chỉ IP của reverse proxy (cách nhau dấu phẩy): chỉ với "
                                   "'broadcast web --proxy-headers', và chỉ từ các địa chỉ này, mới tin tiêu đề "
                                   "X-Forwarded-For/-Proto (địa chỉ thật của người dùng, https).")
    session_hours: float = setting(8.0, "Phiên đăng nhập hết hạn sau số giờ này.", minimum=0.25, maximum=168)
    login_attempts: int = setting(5, "Số lần đăng nhập sai cho phép với một tài khoản trong một khoảng "
                                  "thời gian; quá thì riêng tài khoản đó phải chờ.", minimum=1, maximum=100)
    login_attempts_per_address: int = setting(50, "Số lần đăng nhập sai cho phép từ một địa chỉ máy (mọi tài "
                                              "khoản cộng lại) trong cùng khoảng thời gian; cao hơn nhiều vì "
                                              "cả trụ sở xã thường chung một địa chỉ.", minimum=1, maximum=10000)
    login_window_minutes: float = setting(15.0, "Khoảng thời gian đếm số lần đăng nhập sai (phút).",
                                          minimum=1, maximum=1440)
    upload_max_mb: float = setting(20.0, "Dung lượng tối đa một tệp ghi âm tải lên (MB).", minimum=1, maximum=500)
    allow_self_approval: bool = setting(False, "Cho phép người viết tự duyệt thông báo của mình.")
    recordings: str = setting("recordings", "Thư mục lưu tệp ghi âm tải lên (trong thư mục của đài).")
    listen_cache: str = setting("var/web/nghe-thu", "Thư mục lưu bản nghe thử.")
    listen_page: bool = setting(True, "Trang nghe lại /nghe-lai và podcast /nghe-lai/podcast.xml cho bà con "
                                "(không cần đăng nhập, chỉ xem và nghe); false để tắt.")
    listen_days: int = setting(7, "Trang nghe lại có hôm nay và bấy nhiêu ngày trước.", minimum=0, maximum=60)
    listen_with_names: bool = setting(False, "Đăng cả thông báo có danh sách công dân (họ tên, thôn...) lên "
                                      "trang nghe lại; mặc định không đăng (và cắt khỏi bản nghe lại).")
    listen_exclude_tags: list = setting([], "Thông báo có một trong các nhãn này không lên trang nghe lại, ví dụ "
                                        "[\"an-ninh\"]. Từng thông báo: ghi public: false.")
    player_unit: str = setting("", "Tên dịch vụ systemd của trình phát khi bảng điều khiển chạy cùng máy, ví dụ "
                               "\"broadcast.service\": người quản trị bấm được 'Khởi động trình phát'. Để trống: "
                               "trang chỉ giải thích ai khởi động được.")
    listen_rate_per_minute: int = setting(120, "Số yêu cầu tối đa mỗi phút từ một địa chỉ vào trang nghe lại.",
                                          minimum=10, maximum=100000)


def public_url_problem(url: str) -> str | None:
    """Why `url` cannot be the console's public address, or None when it can ('' is no address)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"'{url}' không phải địa chỉ web (cần dạng https://ten-may.vn)"
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return f"'{url}' chỉ được gồm giao thức và tên máy (không có đường dẫn, ?, # hay tài khoản)"
    return None



SECTIONS: dict[str, type] = {
    "station": StationSection, "speech": SpeechSection, "normalize": NormalizeSection,
    "audio": AudioSection, "programme": ProgrammeSection, "paths": PathsSection,
    "playout": PlayoutSection, "icecast": IcecastSection, "report": ReportSection,
    "province": ProvinceSection,
    "limits": LimitsSection,
    "web": WebSection,
}


def describe_settings() -> list[tuple[str, str, Any, str]]:
    """(section, key, default, doc) for every setting: the documentation table."""
    rows = []
    for section, cls in SECTIONS.items():
        for f in fields(cls):
            default = f.default_factory() if f.default_factory is not MISSING else f.default
            rows.append((section, f.name, default, f.metadata["doc"]))
    return rows

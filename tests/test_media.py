"""Tests for tenku.media: MP4 writing/probing/decoding, previews, and error handling."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tenku.media import (
    MediaError,
    Probe,
    VideoWriter,
    decode_audio,
    decode_frames,
    pick_sprite_frames,
    probe,
    write_spritesheet,
    write_thumbnail,
)

W, H, FPS, N = 160, 90, 24, 48  # 2 s
SR = 48000


def _frames(n: int = N, w: int = W, h: int = H) -> list[np.ndarray]:
    """Smooth moving synthetic frames: a drifting gradient plus a moving soft blob."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = []
    for i in range(n):
        r = 127 + 100 * np.sin(2 * np.pi * (xx / w + i / n))
        g = 40 + 180 * yy / h
        cx, cy = (i * 3) % w, h / 2
        blob = 200 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 12.0**2))
        b = 60 + blob
        out.append(np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8))
    return out


def _tone(freq: float = 440.0, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    mono = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    return _frames()


@pytest.fixture(scope="module")
def tone_video(tmp_path_factory, frames):
    path = tmp_path_factory.mktemp("media") / "tone.mp4"
    with VideoWriter(path, W, H, FPS, audio=_tone(), metadata={"title": "tenku test", "tenku_seed": "7"}) as w:
        for f in frames:
            w.write(f)
    return path


@pytest.fixture(scope="module")
def silent_video(tmp_path_factory, frames):
    path = tmp_path_factory.mktemp("media") / "silent.mp4"
    w = VideoWriter(path, W, H, FPS)
    for f in frames:
        w.write(f)
    w.close()
    w.close()  # idempotent
    return path


@pytest.mark.parametrize("which", ["tone_video", "silent_video"])
def test_probe(which, request):
    info = probe(request.getfixturevalue(which))
    assert isinstance(info, Probe)
    assert info.video_codec == "h264"
    assert info.pix_fmt == "yuv420p"
    assert (info.width, info.height) == (W, H)
    assert info.frame_count == N
    assert abs(info.duration - N / FPS) <= 1 / FPS
    assert info.fps == pytest.approx(FPS)
    assert round(info.duration * info.fps) == info.frame_count
    assert info.audio_codec == "aac"
    assert info.sample_rate == SR
    assert info.channels == 2
    assert info.faststart is True
    assert info.audio_duration == pytest.approx(N / FPS, abs=1 / SR)


def test_faststart_box_order(tone_video):
    data = tone_video.read_bytes()
    boxes, off = [], 0
    while off + 8 <= len(data):
        size = int.from_bytes(data[off : off + 4], "big")
        boxes.append(data[off + 4 : off + 8])
        if size == 1:
            size = int.from_bytes(data[off + 8 : off + 16], "big")
        off += size
    assert off == len(data)
    assert boxes.index(b"moov") < boxes.index(b"mdat")


def test_metadata(tone_video):
    meta = probe(tone_video).metadata
    assert meta.get("title") == "tenku test"
    assert meta.get("tenku_seed") == "7"


def test_decode_frames_resemble_input(tone_video, frames):
    decoded = list(decode_frames(tone_video))
    assert len(decoded) == N
    assert decoded[0].shape == (H, W, 3) and decoded[0].dtype == np.uint8
    psnrs = [_psnr(a, b) for a, b in zip(frames, decoded)]
    assert min(psnrs) > 30, psnrs
    # `every` subsamples
    sub = list(decode_frames(tone_video, every=10))
    assert len(sub) == 5
    assert _psnr(sub[1], frames[10]) > 30


def test_decode_audio_tone(tone_video):
    audio, rate = decode_audio(tone_video)
    assert rate == SR
    assert audio.dtype == np.float32 and audio.shape == (N * SR // FPS, 2)
    mono = audio[:, 0].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    peak = np.fft.rfftfreq(len(mono), 1 / SR)[int(np.argmax(spectrum))]
    assert abs(peak - 440) < 2
    rms = np.sqrt(np.mean(mono**2))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_audio_is_sample_accurate(tmp_path):
    """Clicks placed at known samples come back at the same samples (priming removed)."""
    clicks = [2000, 24000, 47000]
    sig = np.zeros(SR, np.float32)
    for k in clicks:
        sig[k : k + 32] = 0.8 * np.hanning(32)
    path = tmp_path / "clicks.mp4"
    with VideoWriter(path, 64, 36, 24, audio=np.stack([sig, -sig], 1)) as w:
        for _ in range(24):
            w.write(np.zeros((36, 64, 3), np.uint8))
    audio, _ = decode_audio(path)
    assert audio.shape == (SR, 2)
    for k in clicks:
        seg = audio[k - 500 : k + 500, 0]
        assert abs((k - 500 + int(np.argmax(seg))) - (k + 16)) <= 2
        assert audio[k + 16, 1] < -0.5  # right channel kept apart


def test_silent_track_is_silent(silent_video):
    audio, rate = decode_audio(silent_video)
    assert rate == SR and audio.shape == (N * SR // FPS, 2)
    assert np.abs(audio).max() < 1e-4


def test_audio_padded_and_trimmed(tmp_path):
    short = _tone(seconds=0.5)  # padded with silence to 1 s
    long = _tone(seconds=3.0)  # trimmed to 1 s
    for name, audio in (("short", short), ("long", long)):
        path = tmp_path / f"{name}.mp4"
        with VideoWriter(path, 32, 32, 24, audio=audio) as w:
            for _ in range(24):
                w.write(np.full((32, 32, 3), 128, np.uint8))
        info = probe(path)
        assert info.audio_duration == pytest.approx(1.0, abs=1 / SR)
        assert info.duration == pytest.approx(1.0)
        decoded, _ = decode_audio(path)
        assert len(decoded) == SR
        if name == "short":
            assert np.abs(decoded[SR // 2 + 2048 :]).max() < 1e-3
            assert np.abs(decoded[: SR // 2 - 2048]).max() > 0.4


def test_other_sample_rate_and_mono_are_converted(tmp_path):
    t = np.arange(44100) / 44100
    mono = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    path = tmp_path / "sr.mp4"
    with VideoWriter(path, 32, 32, 25, audio=mono, sample_rate=44100) as w:
        for _ in range(25):
            w.write(np.zeros((32, 32, 3), np.uint8))
    info = probe(path)
    assert (info.sample_rate, info.channels) == (SR, 2)
    audio, _ = decode_audio(path)
    spectrum = np.abs(np.fft.rfft(audio[:, 1] * np.hanning(len(audio))))
    assert abs(np.fft.rfftfreq(len(audio), 1 / SR)[int(np.argmax(spectrum))] - 1000) < 3


def test_other_frame_rate_duration(tmp_path):
    path = tmp_path / "30.mp4"
    with VideoWriter(path, 32, 32, 30, preset="ultrafast") as w:
        for f in _frames(45, 32, 32):
            w.write(f)
    info = probe(path)
    assert info.frame_count == 45 and info.fps == pytest.approx(30)
    assert info.duration == pytest.approx(1.5)
    assert info.audio_duration == pytest.approx(1.5)


def test_thumbnail_is_webp(tmp_path, frames):
    path = tmp_path / "thumb.webp"
    write_thumbnail(frames[0], path, max_width=64)
    assert path.read_bytes()[:4] == b"RIFF" and path.read_bytes()[8:12] == b"WEBP"
    with Image.open(path) as img:
        assert img.format == "WEBP"
        assert img.width == 64
        assert img.height == round(64 * H / W)
    # smaller than max_width: kept as is
    small = tmp_path / "small.webp"
    write_thumbnail(frames[0], small)
    with Image.open(small) as img:
        assert img.size == (W, H)


def test_spritesheet_grid(tmp_path, frames):
    idx = pick_sprite_frames(len(frames), 10)
    assert len(idx) == 10 and idx == sorted(set(idx)) and 0 <= idx[0] and idx[-1] < len(frames)
    path = tmp_path / "sheet.jpg"
    info = write_spritesheet([frames[i] for i in idx], path, columns=4, tile_width=80)
    assert info == {"columns": 4, "rows": 3, "tile_width": 80, "tile_height": 45, "count": 10}
    with Image.open(path) as img:
        assert img.format == "JPEG"
        assert img.size == (4 * 80, 3 * 45)
        sheet = np.asarray(img.convert("RGB"))
    # tile (row 1, col 1) is frame idx[5], downscaled 2x
    tile = sheet[45:90, 80:160].astype(np.float64)
    ref = np.asarray(Image.fromarray(frames[idx[5]]).resize((80, 45)), dtype=np.float64)
    assert _psnr(tile, ref) > 25


def test_pick_sprite_frames_edges():
    assert pick_sprite_frames(0) == []
    assert pick_sprite_frames(3, 10) == [0, 1, 2]
    assert pick_sprite_frames(100, 4) == [12, 37, 62, 87]
    assert pick_sprite_frames(240, 1) == [120]


@pytest.mark.parametrize("size", [(161, 90), (160, 91), (0, 90)])
def test_odd_sizes_rejected(tmp_path, size):
    with pytest.raises(MediaError, match=f"{size[0]}x{size[1]}"):
        VideoWriter(tmp_path / "odd.mp4", size[0], size[1], 24)


@pytest.mark.parametrize(
    "bad, needle",
    [
        (np.zeros((H, W, 4), np.uint8), "shape"),
        (np.zeros((W, H, 3), np.uint8), "shape"),
        (np.zeros((H, W, 3), np.float32), "dtype"),
        ([[0]], "numpy array"),
    ],
)
def test_wrong_frames_rejected(tmp_path, bad, needle):
    with VideoWriter(tmp_path / "w.mp4", W, H, FPS) as w:
        w.write(np.zeros((H, W, 3), np.uint8))
        with pytest.raises(MediaError, match=needle):
            w.write(bad)
    assert probe(tmp_path / "w.mp4").frame_count == 1  # the writer is still usable


def test_write_after_close_and_missing_dir(tmp_path):
    w = VideoWriter(tmp_path / "c.mp4", 32, 32, 24)
    w.write(np.zeros((32, 32, 3), np.uint8))
    w.close()
    with pytest.raises(MediaError, match="closed"):
        w.write(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(MediaError, match="does not exist"):
        VideoWriter(tmp_path / "nope" / "x.mp4", 32, 32, 24)


def test_close_without_frames_raises(tmp_path):
    w = VideoWriter(tmp_path / "z.mp4", 32, 32, 24)
    with pytest.raises(MediaError, match="no frames"):
        w.close()
    w.close()  # second close is a no-op


def test_exception_in_with_block_still_finalizes(tmp_path):
    path = tmp_path / "partial.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(path, 32, 32, 24) as w:
            for _ in range(10):
                w.write(np.zeros((32, 32, 3), np.uint8))
            raise RuntimeError("renderer crashed")
    assert probe(path).frame_count == 10


def test_bad_audio_rejected(tmp_path):
    with pytest.raises(MediaError, match="shape"):
        VideoWriter(tmp_path / "a.mp4", 32, 32, 24, audio=np.zeros((10, 3), np.float32))


def test_probe_errors(tmp_path, tone_video):
    with pytest.raises(MediaError, match="not found"):
        probe(tmp_path / "missing.mp4")
    text = tmp_path / "notes.txt"
    text.write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError, match="notes.txt.*not a video"):
        probe(text)
    data = tone_video.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="truncated"):
        probe(truncated)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(MediaError):
        probe(garbage)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        probe(empty)
    with pytest.raises(MediaError):
        list(decode_frames(text))
    with pytest.raises(MediaError):
        decode_audio(text)


def test_still_image_is_not_a_video(tmp_path, frames):
    thumb = tmp_path / "t.webp"
    write_thumbnail(frames[0], thumb)
    with pytest.raises(MediaError, match="still image"):
        probe(thumb)

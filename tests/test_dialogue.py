"""Dialogue: quoted lines in a prompt become spoken lines with captions, in the picture (jaws),
the sound track (voices inside the captions' spans) and the files (WebVTT, MP4 text track)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tenku
from tenku.media import decode_audio, read_subtitles
from tenku.planner import plan
from tenku.script import ScriptError

PROMPT = 'a chef says "order up!" and a waiter replies, "coming right up."'


def test_quotes_become_lines_for_their_speakers_and_stay_out_of_the_scene():
    r = plan('a man says "the ball is mine" and a woman answers "no it is not"')
    kinds = [e.kind for e in r.script.entities]
    assert kinds.count("person") == 2 and "basketball" not in kinds  # quoted words are not things
    assert [(d.speaker, d.text) for d in r.script.dialogue] == [
        ("man", "the ball is mine"), ("woman", "no it is not")]
    man, woman = r.script.entity("man"), r.script.entity("woman")
    assert man.pose.rotation[2] != woman.pose.rotation[2]  # they face each other


def test_screenplay_lines_and_a_speaker_is_added_when_none_is_named():
    r = plan("In a kitchen.\nCHEF: Order up!\nWAITER: Coming!")
    assert [(d.speaker, d.text) for d in r.script.dialogue] == [("chef", "Order up!"),
                                                               ("waiter", "Coming!")]
    r = plan('"hello there" in a park')
    assert r.script.dialogue[0].speaker in {e.id for e in r.script.entities if e.kind == "person"}


def test_long_dialogue_lengthens_the_video_or_is_refused():
    words = " ".join(["word"] * 20)
    r = plan(f'a man says "{words}" then says "{words}"')
    assert r.script.duration > 8
    with pytest.raises(ScriptError, match="at most 20"):
        plan(" ".join(f'a man says "{words} {words}"' for _ in range(3)))


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    out = tmp_path_factory.mktemp("talk") / "talk.mp4"
    return tenku.generate(PROMPT, out=out, size="160x90")


def test_two_lines_give_two_captions_in_order(talk):
    vtt = talk.video.with_suffix(".vtt").read_text()
    assert vtt.startswith("WEBVTT")
    assert vtt.index("order up!") < vtt.index("coming right up.")
    subs = read_subtitles(talk.video)
    assert [s[2] for s in subs] == ["order up!", "coming right up."]
    assert subs[0][1] <= subs[1][0]
    assert [d["speaker"] for d in talk.sidecar["dialogue"]] == ["chef", "waiter"]
    assert talk.sidecar["dialogue"][0]["voice"] != talk.sidecar["dialogue"][1]["voice"]


def test_speech_energy_lies_inside_the_caption_spans(talk):
    x, rate = decode_audio(talk.video)
    mono = x.mean(axis=1)
    subs = read_subtitles(talk.video)
    inside = np.zeros(len(mono), bool)
    for start, end, _ in subs:
        inside[int(start * rate):int(end * rate)] = True
        span = mono[int(start * rate):int(end * rate)]
        assert np.sqrt((span ** 2).mean()) > 0.03  # someone is talking
    # Outside the spans (away from the edges) there is only the quiet studio room tone.
    guard = int(0.1 * rate)
    near = np.convolve(inside.astype(float), np.ones(2 * guard + 1), mode="same") > 0
    outside = mono[~near]
    rms_in = np.sqrt((mono[inside] ** 2).mean())
    rms_out = np.sqrt((outside ** 2).mean())
    assert 20 * np.log10(rms_in / rms_out) > 20


def test_speakers_jaws_move_while_they_talk(talk):
    from tenku.script import WorldScript
    from tenku.audio.speech import speak
    from tenku.sim import simulate

    script = WorldScript.model_validate(talk.sidecar["script"])
    lines = speak(script)
    r = simulate(script, mouths={x.speaker: [(x.start, x.envelope)] for x in lines})
    jaw = r.track("chef.jaw").quat
    head = r.track("chef.head").quat
    opening = np.abs(jaw - head).max(axis=1)  # the jaw turns relative to the head
    talking = (r.times >= lines[0].start) & (r.times <= lines[0].end)
    assert opening[talking].max() > 0.05 and opening[r.times > lines[1].end + 0.3].max() < 0.02


def _run(*args):
    return subprocess.run([sys.executable, "-m", "tenku.cli", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.mark.parametrize("dialogue, words", [
    ([{"speaker": "chef", "text": "Order up!", "t": 1.0},
      {"speaker": "chef", "text": "and here is another rather long line", "t": 1.1}],
     "still being spoken"),
    ([{"speaker": "chef", "text": "this line goes on and on for far longer than the video",
       "t": 0.5}], "after the video ends"),
    ([{"speaker": "chef", "text": "order up \U0001F600"}], "cannot speak"),
    ([{"speaker": "pan", "text": "hello"}], "only people speak"),
    ([{"speaker": "nobody", "text": "hello"}], "nobody"),
    ([{"text": "hello"}], "speaker"),
])
def test_bad_dialogue_is_refused_clearly(dialogue, words, tmp_path):
    script = {"duration": 2.0, "size": "160x90", "entities": [
        {"id": "chef", "kind": "person"}, {"id": "pan", "kind": "plate"}], "dialogue": dialogue}
    f = tmp_path / "s.world.json"
    f.write_text(json.dumps(script))
    proc = _run("generate", "--script", str(f), "-o", str(tmp_path / "x.mp4"))
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.mp4").exists()

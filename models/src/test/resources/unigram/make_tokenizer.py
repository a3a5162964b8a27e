#!/usr/bin/python3
"""Writes tokenizer.json: the SentencePiece Unigram model uni.model (trained with spm_train as make_goldens.cjs says, nmt_nfkc
normalization) laid out as Hugging Face's XLM-RoBERTa tokenizer.json is: fairseq's <s> <pad> </s> <unk> first (every
SentencePiece id moved up by one), <mask> last, the precompiled normalization map, " {2,}" collapsed to one space,
Metaspace pre-tokenization and <s> A </s></s> B </s> around the text. Reads the .model protobuf itself (no protobuf
package needed). Not part of the build."""
import base64
import json
import struct
import sys


def fields(buf):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        yield number, wire, value


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


model = open(sys.argv[1] if len(sys.argv) > 1 else "uni.model", "rb").read()
pieces, charsmap = [], None
for number, _, value in fields(model):
    if number == 1:  # SentencePiece {piece = 1; score = 2; type = 3}
        p = {"type": 1}
        for n, _, v in fields(value):
            if n == 1:
                p["piece"] = v.decode("utf-8")
            elif n == 2:
                p["score"] = struct.unpack("<f", v)[0]
            elif n == 3:
                p["type"] = v
        pieces.append(p)
    elif number == 3:  # NormalizerSpec {name = 1; precompiled_charsmap = 2}
        for n, _, v in fields(value):
            if n == 2:
                charsmap = v

assert [p["piece"] for p in pieces[:3]] == ["<unk>", "<s>", "</s>"], pieces[:3]
vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
vocab += [[p["piece"], p["score"]] for p in pieces[3:]]
vocab += [["<mask>", 0.0]]
ids = {piece: i for i, (piece, _) in enumerate(vocab)}


def special(content, lstrip=False):
    return {"id": ids[content], "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False, "normalized": False, "special": True}


def token(content):
    return {"SpecialToken": {"id": content, "type_id": 0}}


seq = lambda s: {"Sequence": {"id": s, "type_id": 0}}
tokenizer = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [special("<s>"), special("<pad>"), special("</s>"), special("<unk>"), special("<mask>", lstrip=True)],
    "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "post_processor": {"type": "TemplateProcessing",
                       "single": [token("<s>"), seq("A"), token("</s>")],
                       "pair": [token("<s>"), seq("A"), token("</s>"), token("</s>"), seq("B"), token("</s>")],
                       "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ["<s>", "</s>"]}},
    "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
}
json.dump(tokenizer, open("tokenizer.json", "w", encoding="utf-8"), ensure_ascii=False)
print("pieces", len(vocab), "charsmap bytes", len(charsmap))

#!/usr/bin/env python3
"""Live estimates after pauses: CREMA-D clips played one after another with silence between them.

    scripts/pause-study.py --crema-d DIR --fold N [--split dev|test] [--per-class 15] [--gap 1.5] [--seed 1]
                           [--sers sers] [--windows all,speech] --out DIR

Draws up to --per-class clips of each consensus emotion from the fold's split (folds/vavl/label_consensus_N.csv),
in random order, decodes them with opusdec (opus-tools) at 16 kHz and joins them into one WAV with --gap seconds of
digital silence between clips, as `./run.sh --demo-from` plays them. Then runs `sers analyze --window W` on it for
each window rule and scores the estimates against the clip each belongs to (the clip that holds the middle of its
one-second chunk):

- speech estimates: how many, their accuracy and macro F1 against the clip's label, and how often they say fear;
- onset estimates (a speech estimate whose chunk ends within 2 s of its clip's start, so its window of K chunks
  reaches back into the pause): the same figures;
- clip decisions (the mean of a clip's speech estimates): accuracy and macro F1.

Writes playlist.wav, clips.csv, timeline-W.csv and results.json into --out and prints a Markdown table. Choose on
development speakers, never on test ones.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import wave

# Columns of the VAVL fold files, in their order, and the model's label codes.
FOLD_COLUMNS = {"angry": "ANG", "sad": "SAD", "disgust": "DIS", "fear": "FEA", "neutral": "NEU", "happy": "HAP"}
SPLITS = {"dev": "Development", "test": "Test", "train": "Train"}
RATE = 16000
ONSET_SECONDS = 2.0


def pick_clips(fold_csv, split, per_class, seed):
    by_label = {}
    with open(fold_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["Split_Set"] != SPLITS[split]:
                continue
            scores = {code: float(row[column]) for column, code in FOLD_COLUMNS.items()}
            label = max(scores, key=scores.get)
            by_label.setdefault(label, []).append(row["FileName"])
    rng = random.Random(seed)
    chosen = []
    for label in sorted(by_label):
        names = sorted(by_label[label])
        rng.shuffle(names)
        chosen += [(name, label) for name in names[:per_class]]
    rng.shuffle(chosen)
    return chosen


def build_playlist(audio_dir, chosen, gap, out_wav):
    gap_frames = int(round(gap * RATE))
    clips = []
    position = 0
    with wave.open(out_wav, "wb") as out, tempfile.TemporaryDirectory() as tmp:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for i, (name, label) in enumerate(chosen):
            source = os.path.join(audio_dir, os.path.splitext(name)[0] + ".opus")
            decoded = os.path.join(tmp, "clip.wav")
            subprocess.run(["opusdec", "--quiet", "--rate", str(RATE), source, decoded], check=True)
            with wave.open(decoded, "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != RATE:
                    sys.exit(f"{source}: opusdec gave {w.getnchannels()} channel(s), {8 * w.getsampwidth()}-bit, {w.getframerate()} Hz; expected mono 16-bit {RATE} Hz")
                frames = w.readframes(w.getnframes())
                n = w.getnframes()
            if i > 0:
                out.writeframes(b"\0\0" * gap_frames)
                position += gap_frames
            out.writeframes(frames)
            clips.append({"file": name, "label": label, "start": position / RATE, "end": (position + n) / RATE})
            position += n
    return clips


def macro_f1(pairs, labels):
    f1s = []
    for label in labels:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return sum(f1s) / len(f1s)


def score(timeline_csv, clips):
    with open(timeline_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0].keys())
    labels = header[header.index("speech_probability") + 1:header.index("latency_ms")]
    speech, onset, pause = [], [], []
    per_clip = [[] for _ in clips]
    j = 0
    for row in rows:
        start, end = float(row["start_seconds"]), float(row["end_seconds"])
        middle = (start + end) / 2
        while j < len(clips) and clips[j]["end"] < middle:
            j += 1
        inside = j < len(clips) and clips[j]["start"] <= middle <= clips[j]["end"]
        if row["speech"] != "1":
            continue
        if not inside:
            pause.append(row["top_label"])
            continue
        truth = clips[j]["label"]
        speech.append((truth, row["top_label"]))
        if end <= clips[j]["start"] + ONSET_SECONDS:
            onset.append((truth, row["top_label"]))
        per_clip[j].append([float(row[label]) for label in labels])
    decisions = []
    for clip, probabilities in zip(clips, per_clip):
        if probabilities:
            mean = [sum(p[k] for p in probabilities) / len(probabilities) for k in range(len(labels))]
            decisions.append((clip["label"], labels[max(range(len(labels)), key=mean.__getitem__)]))

    def figures(pairs):
        return {
            "count": len(pairs),
            "accuracy": sum(t == p for t, p in pairs) / len(pairs) if pairs else None,
            "macroF1": macro_f1(pairs, labels) if pairs else None,
            "fearShare": sum(p == "FEA" for _, p in pairs) / len(pairs) if pairs else None,
            "trueFearShare": sum(t == "FEA" for t, _ in pairs) / len(pairs) if pairs else None,
        }

    return {"speech": figures(speech), "onset": figures(onset), "clips": figures(decisions), "speechInPauses": len(pause), "clipsWithoutSpeech": len(clips) - len(decisions)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crema-d", required=True, help="CREMA-D folder holding AudioOpus/ and folds/vavl/")
    parser.add_argument("--fold", type=int, required=True, help="VAVL fold 1-5")
    parser.add_argument("--split", choices=sorted(SPLITS), default="dev")
    parser.add_argument("--per-class", type=int, default=15)
    parser.add_argument("--gap", type=float, default=1.5, help="seconds of silence between clips")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sers", default="sers", help="the sers command")
    parser.add_argument("--windows", default="all,speech", help="comma-separated --window rules to compare")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    fold_csv = os.path.join(args.crema_d, "folds", "vavl", f"label_consensus_{args.fold}.csv")
    audio_dir = os.path.join(args.crema_d, "AudioOpus")
    for path in (fold_csv, audio_dir):
        if not os.path.exists(path):
            sys.exit(f"{path} not found: --crema-d must name the CREMA-D folder (AudioOpus/ and folds/vavl/).")
    os.makedirs(args.out, exist_ok=True)
    chosen = pick_clips(fold_csv, args.split, args.per_class, args.seed)
    playlist = os.path.join(args.out, "playlist.wav")
    clips = build_playlist(audio_dir, chosen, args.gap, playlist)
    with open(os.path.join(args.out, "clips.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "label", "start", "end"])
        writer.writeheader()
        writer.writerows(clips)

    results = {"fold": args.fold, "split": args.split, "clips": len(clips), "gapSeconds": args.gap, "seed": args.seed, "windows": {}}
    for rule in args.windows.split(","):
        timeline = os.path.join(args.out, f"timeline-{rule}.csv")
        subprocess.run(args.sers.split() + ["analyze", playlist, "--format", "csv", "--window", rule, "--output", timeline], check=True)
        results["windows"][rule] = score(timeline, clips)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)

    def pct(value):
        return "" if value is None else f"{100 * value:.1f}"

    print(f"fold {args.fold} {args.split}: {len(clips)} clips, {args.gap} s pauses")
    print("| --window | speech estimates | accuracy | macro F1 | say fear | onset estimates | onset accuracy | onset macro F1 | onset say fear | clip accuracy | clip macro F1 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rule, r in results["windows"].items():
        s, o, c = r["speech"], r["onset"], r["clips"]
        print(f"| {rule} | {s['count']} | {pct(s['accuracy'])} | {pct(s['macroF1'])} | {pct(s['fearShare'])} | {o['count']} | {pct(o['accuracy'])} | {pct(o['macroF1'])} | {pct(o['fearShare'])} | {pct(c['accuracy'])} | {pct(c['macroF1'])} |")
    first = next(iter(results["windows"].values()))
    print(f"(fear is the label of {pct(first['speech']['trueFearShare'])} % of the speech estimates and {pct(first['onset']['trueFearShare'])} % of the onset ones)")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The main job: builds sers and runs live emotion recognition with the bundled default model
# (models/default), from the microphone when a PulseAudio/PipeWire capture source exists. Without one it
# plays real recorded speech that the machine already has, in real time: the voice recordings of alsa-utils
# (/usr/share/sounds/alsa/Front_Center.wav and the rest, one voice naming speaker positions), as a playlist
# with pauses; when those are missing, the bundled synthetic demo recording (samples/demo.wav).
#
#   ./run.sh                           # microphone if there is one, else the alsa-utils recordings, else samples/demo.wav
#   ./run.sh path/to/file.wav          # a recording of your own (WAV or Ogg Opus), in real time
#   ./run.sh --demo-from CREMA-D/      # one CREMA-D actor's six emotions in turn, from your copy of the corpus
#   ./run.sh -- --smoothing 0.6        # extra options for `sers listen` after --
#
# --demo-from DIR takes a CREMA-D copy (a folder holding AudioWAV/ or AudioOpus/, or the clips themselves) and
# plays one actor's sentence IEO ("It's eleven o'clock", the only one recorded at low, medium and high intensity) as
# neutral, happy, angry, sad, fearful and disgusted, the high-intensity take where there is one, with pauses between
# them. The actor is 1008 (a test speaker of the bundled model's fold, a voice it never heard) or else the first with
# all six; SERSSL_DEMO_ACTOR=1015 picks another. No audio is copied anywhere: the
# playlist, a temporary file, names the clips where they are.
#
# The session is also served: gRPC on 127.0.0.1:50051 and the dashboard, a web page, on the URL it prints
# (http://127.0.0.1:50052/); `./run.sh -- --port 6000` moves both (6000 and 6001).
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")"
source scripts/setup.sh

# The voice recordings of alsa-utils, in the order of a speaker test; Noise.wav is left out.
alsa_sounds=/usr/share/sounds/alsa
alsa_clips=(Front_Center Front_Left Front_Right Rear_Center Rear_Left Rear_Right Side_Left Side_Right)
# CREMA-D's emotion codes in the order the demo plays them, and what they mean.
crema_emotions=(NEU HAP ANG SAD FEA DIS)
crema_names=(neutral happy angry sad fearful disgusted)

# An absolute path for a path the caller typed (relative to the folder they ran this from).
from_caller() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$caller_dir/$1" ;;
  esac
}

# crema_clip AUDIO ACTOR EMOTION: the actor's IEO clip of that emotion (HI, else XX, else MD; WAV or Opus), or nothing.
crema_clip() {
  local level ext
  for level in HI XX MD; do
    for ext in wav opus; do
      if [ -f "$1/${2}_IEO_${3}_${level}.$ext" ]; then
        printf '%s\n' "$1/${2}_IEO_${3}_${level}.$ext"
        return 0
      fi
    done
  done
  return 1
}

# crema_missing AUDIO ACTOR: the emotion codes the actor has no IEO clip for, space-separated.
crema_missing() {
  local emotion missing=()
  for emotion in "${crema_emotions[@]}"; do
    crema_clip "$1" "$2" "$emotion" >/dev/null || missing+=("$emotion")
  done
  printf '%s\n' "${missing[*]}"
}

# crema_playlist DIR LIST: writes the --demo-from playlist of DIR into LIST, or exits 2 saying what is wrong.
crema_playlist() {
  local dir=$1 list=$2 audio="" candidate actor="" actors emotion i
  if [ ! -d "$dir" ]; then
    echo "error: --demo-from: no such folder: $dir (give a CREMA-D copy: a folder holding AudioWAV/ or AudioOpus/)" >&2
    exit 2
  fi
  dir=$(cd "$dir" && pwd)
  # A clip of CREMA-D is named ACTOR_SENTENCE_EMOTION_LEVEL, e.g. 1001_IEO_ANG_HI.wav; the WAVs win over the Opus copy.
  for candidate in "$dir/AudioWAV" "$dir/AudioOpus" "$dir"; do
    if [ -d "$candidate" ] && [ -n "$(find "$candidate" -maxdepth 1 -type f -regextype posix-extended \
        -regex '.*/[0-9]{4}_[A-Z]{3}_(ANG|DIS|FEA|HAP|NEU|SAD)_(LO|MD|HI|XX)\.(wav|opus)' -print -quit)" ]; then
      audio=$candidate
      break
    fi
  done
  if [ -z "$audio" ]; then
    echo "error: --demo-from: $dir is not a CREMA-D copy: no clips named like 1001_IEO_ANG_HI.wav (or .opus) in $dir/AudioWAV, $dir/AudioOpus or $dir itself" >&2
    exit 2
  fi
  actors=$(find "$audio" -maxdepth 1 -type f -name '[0-9][0-9][0-9][0-9]_IEO_*' -printf '%f\n' | cut -c1-4 | sort -u)
  if [ -n "${SERSSL_DEMO_ACTOR:-}" ]; then
    actor=$SERSSL_DEMO_ACTOR
    if ! [[ $actor =~ ^[0-9]{4}$ ]]; then
      echo "error: SERSSL_DEMO_ACTOR must be a CREMA-D actor number, 1001 to 1091; got '$actor'" >&2
      exit 2
    fi
    local missing some
    missing=$(crema_missing "$audio" "$actor")
    if [ -n "$missing" ]; then
      some=$(printf '%s\n' "$actors" | head -n 8 | paste -sd ' ')
      echo "error: --demo-from: actor $actor (SERSSL_DEMO_ACTOR) has no sentence-IEO clip for $missing in $audio (looked for ${actor}_IEO_EMOTION_HI, _XX or _MD, .wav or .opus); actors with IEO clips there: ${some:-none}" >&2
      exit 2
    fi
  else
    # Actor 1008 first: a test speaker of VAVL fold 1, so the bundled model (trained on that fold's training
    # speakers) has never heard this voice; then any actor with all six.
    for candidate in 1008 $actors; do
      if [ -z "$(crema_missing "$audio" "$candidate")" ]; then
        actor=$candidate
        break
      fi
    done
    if [ -z "$actor" ]; then
      echo "error: --demo-from: no actor in $audio has all six sentence-IEO clips (${crema_emotions[*]}, e.g. 1001_IEO_NEU_XX and 1001_IEO_ANG_HI); the demo needs one" >&2
      exit 2
    fi
  fi
  {
    echo "# CREMA-D actor $actor, sentence IEO, in the order ${crema_emotions[*]} (written by run.sh)"
    for emotion in "${crema_emotions[@]}"; do
      crema_clip "$audio" "$actor" "$emotion"
    done
  } >"$list"
  local order=()
  for i in "${!crema_emotions[@]}"; do
    order+=("${crema_names[$i]}")
  done
  serssl_log "CREMA-D actor $actor from $audio, sentence IEO (\"It's eleven o'clock\") as: ${order[*]}"
}

recording=""
demo_from=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  case "$1" in
    --demo-from)
      if [ $# -lt 2 ] || [ "$2" = "--" ]; then
        echo "error: --demo-from needs a folder: a CREMA-D copy (holding AudioWAV/ or AudioOpus/)" >&2
        exit 2
      fi
      demo_from=$(from_caller "$2")
      shift 2
      ;;
    --demo-from=*)
      demo_from=$(from_caller "${1#--demo-from=}")
      shift
      ;;
    *)
      recording=$1
      shift
      ;;
  esac
fi
[ "${1:-}" = "--" ] && shift

playlist=""
cleanup() { if [ -n "$playlist" ]; then rm -f "$playlist"; fi; }
trap cleanup EXIT
if [ -n "$demo_from" ]; then
  # Checked before the build, so that a wrong folder is reported at once.
  playlist=$(mktemp -t serssl-demo.XXXXXX)
  crema_playlist "$demo_from" "$playlist"
fi

serssl_require_dotnet
serssl_apt_install "${SERSSL_APT_PACKAGES[@]}"
serssl_restore

serssl_log "building sers (Release)"
dotnet build src/SerSsl.Streaming -c Release --no-restore --nologo -v quiet
sers=(dotnet "src/SerSsl.Streaming/bin/Release/net10.0/sers.dll")

if [ -z "$recording" ] && [ -z "$playlist" ]; then
  # A capture source that is not the monitor of an output means a microphone or line input.
  if "${sers[@]}" devices --format json 2>/dev/null | grep -Eq '"isMonitor": *false'; then
    serssl_log "sers listen: live from the default microphone (Ctrl+C to stop)"
    exec "${sers[@]}" listen --source mic --serve "$@"
  fi
  found=()
  for clip in "${alsa_clips[@]}"; do
    if [ -f "$alsa_sounds/$clip.wav" ]; then
      found+=("$alsa_sounds/$clip.wav")
    fi
  done
  if [ ${#found[@]} -gt 0 ]; then
    playlist=$(mktemp -t serssl-demo.XXXXXX)
    {
      echo "# the voice recordings of alsa-utils (written by run.sh)"
      printf '%s\n' "${found[@]}"
    } >"$playlist"
    serssl_log "no microphone found (no PulseAudio/PipeWire capture source): playing real recorded speech, the ${#found[@]} voice recordings of alsa-utils in $alsa_sounds (one voice naming speaker positions), in real time"
  else
    recording=samples/demo.wav
    serssl_log "no microphone found (no PulseAudio/PipeWire capture source), and no alsa-utils voice recordings in $alsa_sounds (install alsa-utils for real speech): playing the synthetic demo recording $recording in real time"
  fi
fi

if [ -n "$playlist" ]; then
  serssl_log "sers listen --source playlist:$playlist (Ctrl+C to stop)"
  "${sers[@]}" listen --source "playlist:$playlist" --serve "$@"
  exit
fi

if [ ! -f "$recording" ] && [ -f "$(from_caller "$recording")" ]; then
  recording=$(from_caller "$recording")
fi
if [ ! -f "$recording" ]; then
  echo "error: no such recording: $recording" >&2
  exit 2
fi
serssl_log "sers listen --source file:$recording (Ctrl+C to stop)"
exec "${sers[@]}" listen --source "file:$recording" --serve "$@"

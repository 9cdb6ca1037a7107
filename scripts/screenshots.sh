#!/usr/bin/env bash
# Writes the dashboard screenshots in screenshots/ from the release binary
# running on the real dataset in tmux.
#
# Usage, from anywhere:
#
#     IMDB_DATA=path/to/aclImdb_v1.tar.gz scripts/screenshots.sh
#
# IMDB_DATA may also name aclImdb-labeled.tar.gz or an extracted aclImdb
# folder. The script installs tmux and the fonts from Debian packages when
# they are missing (apt-get, as root), and Pillow into a virtualenv under
# /tmp. It builds the release binary with cargo, runs it in a scratch
# directory under /tmp so that data/ stays clean, and uses a tmux server
# of its own, so other tmux sessions are not touched.
#
# Each frame is read with `tmux capture-pane -e -p`, which keeps colours,
# and scripts/ansi_to_png.py draws it at 120x40 cells. The image is made
# from the same capture whose text met the wait condition, so it shows
# exactly that frame.
set -euo pipefail

readonly COLUMNS=120
readonly ROWS=40
# Maximum wait for one screen state, in seconds.
readonly TIMEOUT_SECONDS=90
readonly VENV=/tmp/imdb-tui-screenshots-venv
# Fits on one line of the review box at 120 columns, so the whole text is
# on screen once the last key has been handled.
readonly REVIEW="Brilliant acting, but the plot was dull and the ending a waste of time."

repo=$(cd "$(dirname "$0")/.." && pwd)
: "${IMDB_DATA:?is not set; set it to aclImdb_v1.tar.gz, aclImdb-labeled.tar.gz or the aclImdb folder}"
data=$(realpath "$IMDB_DATA")
if [ ! -e "$data" ]; then
    echo "IMDB_DATA=$IMDB_DATA does not exist" >&2
    exit 1
fi

install_tools() {
    local packages=()
    command -v tmux >/dev/null 2>&1 || packages+=(tmux)
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || packages+=(fonts-dejavu-core)
    [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || packages+=(fonts-noto-cjk)
    if [ "${#packages[@]}" -gt 0 ]; then
        echo "installing ${packages[*]} with apt-get" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
    if ! "$VENV/bin/python" -c "import PIL" 2>/dev/null; then
        echo "installing Pillow into $VENV" >&2
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q Pillow
    fi
}

install_tools
(cd "$repo" && cargo build --release --quiet)
binary="${CARGO_TARGET_DIR:-$repo/target}/release/imdb-tui"
# cargo resolves a relative CARGO_TARGET_DIR against the repository.
case "$binary" in
    /*) ;;
    *) binary="$repo/$binary" ;;
esac

scratch=$(mktemp -d /tmp/imdb-tui-screenshots.XXXXXX)
# The dashboard shows the --data path in its header, so a link with the
# dataset's own name keeps this machine's paths out of the images.
ln -s "$data" "$scratch/$(basename "$data")"
# A tmux server of its own, whose socket goes away with the scratch folder.
socket="$scratch/tmux.sock"
sessions=()

tmux_cmd() {
    tmux -u -f /dev/null -S "$socket" "$@"
}

cleanup() {
    local session
    for session in "${sessions[@]}"; do
        tmux_cmd kill-session -t "$session" 2>/dev/null || true
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

# tmux stops its server when the last session ends, and a session started
# while it stops fails, so this one lasts until the script ends.
sessions+=(keeper)
tmux_cmd new-session -d -s keeper -x "$COLUMNS" -y "$ROWS" sleep 86400

# Starts the dashboard with the given options in a new detached session.
start_dashboard() {
    local session=$1
    shift
    sessions+=("$session")
    tmux_cmd new-session -d -s "$session" -x "$COLUMNS" -y "$ROWS" -c "$scratch" \
        "$binary" --data "$(basename "$data")" "$@"
}

# Polls the screen until its text matches the extended regex, keeping the
# matching capture, with colours, in $scratch/last.ansi.
wait_for() {
    local session=$1 pattern=$2
    local deadline=$((SECONDS + TIMEOUT_SECONDS))
    while [ "$SECONDS" -lt "$deadline" ]; do
        tmux_cmd capture-pane -e -p -t "$session" >"$scratch/last.ansi"
        sed 's/\x1b\[[0-9;:]*m//g' "$scratch/last.ansi" >"$scratch/last.txt"
        if grep -Eq -- "$pattern" "$scratch/last.txt"; then
            return 0
        fi
        sleep 0.05
    done
    echo "timed out after $TIMEOUT_SECONDS s waiting for /$pattern/ in session $session; last screen:" >&2
    cat "$scratch/last.txt" >&2
    exit 1
}

# Draws the last matching capture into screenshots/NAME.
save_png() {
    local name=$1
    mkdir -p "$repo/screenshots"
    "$VENV/bin/python" "$repo/scripts/ansi_to_png.py" "$scratch/last.ansi" \
        "$repo/screenshots/$name" --columns "$COLUMNS" --rows "$ROWS"
    echo "wrote screenshots/$name" >&2
}

# mid-run.png: a 100-epoch exploration run lasts about five times as long
# as the usual 20 epochs, so polling every 50 ms catches a frame while it
# runs. The first frame between epochs 25 and 75 is kept. This first run
# also reads the tarball and writes the cache that the later runs load.
start_dashboard mid-run --lang en --epochs 100
wait_for mid-run "Phase: exploring +epoch (2[5-9]|[3-6][0-9]|7[0-5]) of 100"
save_png mid-run.png
tmux_cmd kill-session -t mid-run

# overfitting.png: the 20-epoch run is done and the overfitting epoch marked.
start_dashboard english --lang en
wait_for english "Phase: done +epoch 20 of 20"
wait_for english "Press r to retrain with [0-9]+ epochs"
save_png overfitting.png

# retrained.png: r opens the prompt, whose default is the overfitting epoch.
tmux_cmd send-keys -t english r
wait_for english "Number of epochs"
tmux_cmd send-keys -t english Enter
wait_for english "Test set: loss [0-9.]+, accuracy"
save_png retrained.png

# review.png: Tab twice moves focus from the charts to the review box.
tmux_cmd send-keys -t english Tab Tab
wait_for english "Typing goes into the review"
tmux_cmd send-keys -t english -l "$REVIEW"
wait_for english "waste of time\."
wait_for english "P = [0-9.]+ +(positive|negative)"
save_png review.png
tmux_cmd kill-session -t english

# dashboard-zh.png: the Chinese dashboard after its 20 epochs.
start_dashboard experiments --lang en
wait_for experiments "Phase: done +epoch 20 of 20"
tmux_cmd send-keys -t experiments o
wait_for experiments "Units per layer"
tmux_cmd send-keys -t experiments Down Right Right
wait_for experiments "Units per layer +64"
save_png settings.png
tmux_cmd send-keys -t experiments Enter
wait_for experiments "Settings: 64 units"
wait_for experiments "Phase: done +epoch 20 of 20"
tmux_cmd send-keys -t experiments h
wait_for experiments "64 units +explore"
tmux_cmd send-keys -t experiments End Space Up Space
# The classic run is picked second, after 64 units.
wait_for experiments "\\[x\\] classic recipe"
save_png runs.png
tmux_cmd kill-session -t experiments

start_dashboard chinese --lang zh
wait_for chinese "完成 +轮次 \(epoch\) 20/20"
wait_for chinese "按 r 以 [0-9]+ 个轮次重新训练"
save_png dashboard-zh.png
tmux_cmd kill-session -t chinese

#!/usr/bin/env python3
"""Measure the dashboard's start, training, settings and typing times in tmux.

Usage:

    cargo build --release
    IMDB_DATA=path/to/aclImdb_v1.tar.gz scripts/measure_dashboard.py \
        [--binary target/release/imdb-tui] [--repeats 5] [--keys 30] [--idle-seconds 30]

It starts the release binary in detached 120x40 tmux sessions on a tmux
server of its own, in scratch directories under /tmp, and polls
`capture-pane -p` every 2 ms through one tmux control client. A screen
state is timed at the first capture that shows it. So each figure
includes tmux starting the process or delivering the key, and up to 2 ms
of polling. The `cat` baseline for typing shows that share. Prints one
line per sample and a summary in Markdown. Needs only the Python
standard library and tmux 3.2 or newer (for `attach -f ignore-size`).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = 120
ROWS = 40
TIMEOUT_SECONDS = 120.0
# Pause between two captures: fine enough for millisecond figures, and
# coarse enough that polling does not take a core from the dashboard.
POLL_SECONDS = 0.002

# A row of the epoch table for epoch 1: "│    1 0.479  80.4% ...".
FIRST_EPOCH = re.compile(r"^│ +1 \d\.\d{3} ", re.MULTILINE)
ALL_EPOCHS = "Phase: done   epoch 20 of 20"


def quote(argument):
    """Quote one argument for tmux's command parser."""
    return "'" + argument.replace("'", "'\\''") + "'"


class Tmux:
    """Runs tmux commands on a private server, so no other session is touched.

    Commands go through one control-mode client (`tmux -C`) instead of a
    new tmux process each: a process per capture would cost milliseconds of
    CPU on each poll, on the same two cores as the dashboard."""

    def __init__(self):
        # The socket lives in a folder of its own, removed by `close`.
        self.socket_dir = Path(tempfile.mkdtemp(prefix="imdb-tui-measure-tmux."))
        self.socket = str(self.socket_dir / "tmux.sock")
        self.sessions = []
        # The control client needs a session to attach to, and tmux stops
        # its server when the last session ends, so this one lasts until
        # `close`.
        subprocess.run(self.command_line("new-session", "-d", "-s", "keeper", "sleep", "86400"),
                       check=True)
        self.client = subprocess.Popen(
            self.command_line("-C", "attach", "-f", "ignore-size,no-output", "-t", "keeper"),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        # tmux sends one block for the attach itself before any command.
        self.read_block("attach")

    def command_line(self, *arguments):
        return ["tmux", "-u", "-f", "/dev/null", "-S", self.socket, *arguments]

    def read_block(self, command):
        """Read the %begin ... %end block that tmux sends in reply to
        `command`, skipping notifications, and return its lines."""
        lines = None
        while True:
            line = self.client.stdout.readline()
            if not line:
                sys.exit(f"tmux control client closed while running: {command}")
            line = line.rstrip("\n")
            if line.startswith("%begin"):
                lines = []
            elif lines is not None and line.startswith("%end"):
                return lines
            elif lines is not None and line.startswith("%error"):
                sys.exit(f"tmux command failed: {command}: {' '.join(lines)}")
            elif lines is not None:
                lines.append(line)

    def run(self, *arguments):
        command = " ".join(quote(argument) for argument in arguments)
        self.client.stdin.write(command + "\n")
        self.client.stdin.flush()
        return "\n".join(self.read_block(command))

    def start(self, name, directory, command):
        self.sessions.append(name)
        self.run("new-session", "-d", "-s", name, "-x", str(COLUMNS), "-y", str(ROWS),
                 "-c", str(directory), *command)

    def capture(self, name):
        return self.run("capture-pane", "-p", "-t", name)

    def send_keys(self, name, *keys):
        self.run("send-keys", "-t", name, *keys)

    def pane_pid(self, name):
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def kill(self, name):
        if name in self.sessions:
            self.sessions.remove(name)
            self.run("kill-session", "-t", name)

    def close(self):
        for name in list(self.sessions):
            self.kill(name)
        self.client.stdin.close()
        self.client.wait()
        subprocess.run(self.command_line("kill-session", "-t", "keeper"), capture_output=True)
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def wait_for(tmux, name, ready, started):
    """Poll the pane until `ready(screen)` is true and return the seconds
    since `started` (a `time.perf_counter()` value) and the screen."""
    while True:
        screen = tmux.capture(name)
        elapsed = time.perf_counter() - started
        if ready(screen):
            return elapsed, screen
        if elapsed > TIMEOUT_SECONDS:
            sys.exit(f"timed out after {TIMEOUT_SECONDS} s in session {name}; last screen:\n{screen}")
        time.sleep(POLL_SECONDS)


def load_average():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def summary(values_ms):
    """Format median, minimum and maximum of a list of milliseconds."""
    return "median {:.0f} ms (min {:.0f}, max {:.0f}, n={})".format(
        statistics.median(values_ms), min(values_ms), max(values_ms), len(values_ms))


def measure_start(tmux, binary, data, repeats):
    """Time the first epoch and all 20 epochs on screen, first from the
    tarball in a fresh directory, then from the cache it wrote."""
    results = {"tarball_first": [], "tarball_all": [], "cache_first": [], "cache_all": []}
    for repeat in range(repeats):
        directory = Path(tempfile.mkdtemp(prefix="imdb-tui-measure."))
        try:
            for source in ("tarball", "cache"):
                name = f"start-{repeat}-{source}"
                started = time.perf_counter()
                tmux.start(name, directory, [binary, "--lang", "en", "--data", data])
                first, _ = wait_for(tmux, name, lambda screen: FIRST_EPOCH.search(screen), started)
                # The session runs the binary without a shell, so the pane's
                # process is the dashboard. Its CPU time beside the wall time
                # shows how much of a start was spent waiting for a core.
                pid = tmux.pane_pid(name)
                first_cpu = cpu_seconds(pid)
                done, _ = wait_for(tmux, name, lambda screen: ALL_EPOCHS in screen, started)
                done_cpu = cpu_seconds(pid)
                tmux.kill(name)
                results[f"{source}_first"].append(first * 1000)
                results[f"{source}_all"].append(done * 1000)
                print(f"start {repeat} from {source}: first epoch {first * 1000:.0f} ms "
                      f"(CPU {first_cpu:.2f} s), 20 epochs {done * 1000:.0f} ms "
                      f"(CPU {done_cpu:.2f} s), load {load_average()}", flush=True)
            if not (directory / "data" / "imdb-prepared.npz").exists():
                sys.exit(f"no cache was written in {directory}/data")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    return results


def type_keys(tmux, name, text, shows, pause):
    """Type `text` one key at a time, `pause` seconds apart, and time each
    key until `shows(screen, typed)` is true for the text typed so far.

    A space changes nothing on screen (the prediction ignores a trailing
    space, and `capture-pane -p` does not show the cursor), so spaces are
    typed but not timed."""
    times = []
    for count in range(1, len(text) + 1):
        time.sleep(pause)
        typed = text[:count]
        started = time.perf_counter()
        tmux.send_keys(name, "-l", text[count - 1])
        if typed.endswith(" "):
            continue
        elapsed, _ = wait_for(tmux, name, lambda screen: shows(screen, typed), started)
        times.append(elapsed * 1000)
    return times


def review_shows(screen, typed):
    """Return whether a line shows the review box's left border followed by `typed`."""
    return any("│" + typed in line for line in screen.splitlines())


def line_starts_with(screen, typed):
    return any(line.startswith(typed) for line in screen.splitlines())


def measure_typing(tmux, binary, data, keys):
    """Time a burst of keys and single keys in the review box, and the same
    single keys echoed by the terminal under `cat`, which is the floor that
    tmux and polling set."""
    text = ("a wonderful moving film with a brilliant cast and a story " * 4)[:keys].rstrip()
    directory = Path(tempfile.mkdtemp(prefix="imdb-tui-measure."))
    try:
        name = "typing"
        started = time.perf_counter()
        tmux.start(name, directory, [binary, "--lang", "en", "--data", data])
        wait_for(tmux, name, lambda screen: ALL_EPOCHS in screen, started)
        tmux.send_keys(name, "Tab", "Tab")
        wait_for(tmux, name, lambda screen: "Typing goes into the review" in screen,
                 time.perf_counter())

        # A burst: the whole text in one send-keys, timed to the last key.
        time.sleep(0.2)
        started = time.perf_counter()
        tmux.send_keys(name, "-l", text)
        burst, _ = wait_for(tmux, name, lambda screen: review_shows(screen, text), started)
        print(f"review box, burst of {len(text)} keys: {burst * 1000:.0f} ms", flush=True)
        tmux.send_keys(name, "-N", str(len(text)), "BSpace")
        wait_for(tmux, name, lambda screen: "Type or paste a movie review" in screen,
                 time.perf_counter())

        # The pause is longer than the dashboard's 33 ms frame interval, so
        # each key is drawn as soon as it is handled.
        single = type_keys(tmux, name, text, review_shows, 0.1)
        print(f"review box, single keys: {summary(single)}, load {load_average()}", flush=True)
        tmux.kill(name)

        name = "baseline"
        tmux.start(name, directory, ["cat"])
        time.sleep(0.3)
        baseline = type_keys(tmux, name, text, line_starts_with, 0.1)
        print(f"cat baseline, single keys: {summary(baseline)}, load {load_average()}", flush=True)
        tmux.kill(name)
        return single, burst * 1000, baseline, len(text)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def cpu_ticks(pid):
    """Return user plus system CPU time of `pid` in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the name: state is field 3, utime field 14, stime field 15.
    return int(fields[11]) + int(fields[12])


def cpu_seconds(pid):
    """Return user plus system CPU time of `pid` in seconds, all threads."""
    return cpu_ticks(pid) / os.sysconf("SC_CLK_TCK")


def measure_idle(tmux, binary, data, seconds):
    """Measure the CPU time the dashboard uses over `seconds` with no run in
    progress and no input, from /proc/PID/stat."""
    directory = Path(tempfile.mkdtemp(prefix="imdb-tui-measure."))
    try:
        name = "idle"
        started = time.perf_counter()
        tmux.start(name, directory, [binary, "--lang", "en", "--data", data])
        wait_for(tmux, name, lambda screen: ALL_EPOCHS in screen, started)
        time.sleep(1.0)
        shell = tmux.pane_pid(name)
        # The session runs the binary without a shell, so the pane's process
        # is the dashboard.
        if Path(f"/proc/{shell}/comm").read_text().strip() != "imdb-tui":
            sys.exit(f"pane process {shell} is not imdb-tui")
        before = cpu_ticks(shell)
        wall_started = time.perf_counter()
        time.sleep(seconds)
        after = cpu_ticks(shell)
        wall = time.perf_counter() - wall_started
        cpu_seconds = (after - before) / os.sysconf("SC_CLK_TCK")
        percent = 100 * cpu_seconds / wall
        print(f"idle over {wall:.1f} s: {cpu_seconds:.2f} s CPU = {percent:.2f}% of a core, "
              f"load {load_average()}", flush=True)
        tmux.kill(name)
        return cpu_seconds, wall, percent
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def measure_settings_change(tmux, binary, data, repeats):
    """Time Enter in the settings panel, after one setting changed (units
    16 to 32, the vocabulary kept), to the new run's first epoch on
    screen, starting from the cache."""
    times = []
    directory = Path(tempfile.mkdtemp(prefix="imdb-tui-measure."))
    try:
        for repeat in range(repeats):
            name = f"settings-{repeat}"
            started = time.perf_counter()
            tmux.start(name, directory, [binary, "--lang", "en", "--data", data])
            wait_for(tmux, name, lambda screen: ALL_EPOCHS in screen, started)
            tmux.send_keys(name, "o")
            wait_for(tmux, name, lambda screen: "Settings" in screen, started)
            tmux.send_keys(name, "Down", "Right")
            wait_for(tmux, name, lambda screen: re.search(r"Units per layer +32", screen), started)
            pressed = time.perf_counter()
            tmux.send_keys(name, "Enter")
            first, _ = wait_for(
                tmux, name,
                lambda screen: ALL_EPOCHS not in screen and FIRST_EPOCH.search(screen),
                pressed)
            tmux.kill(name)
            times.append(first * 1000)
            print(f"settings change {repeat}: Enter to first epoch {first * 1000:.0f} ms, "
                  f"load {load_average()}", flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = Path(__file__).resolve().parent.parent
    target = Path(os.environ.get("CARGO_TARGET_DIR", repo / "target"))
    parser.add_argument("--binary", type=Path, default=target / "release" / "imdb-tui",
                        help="imdb-tui release binary (default: $CARGO_TARGET_DIR/release/imdb-tui)")
    parser.add_argument("--repeats", type=int, default=5, help="starts from the tarball and from the cache")
    parser.add_argument("--keys", type=int, default=30, help="keys typed one at a time")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="idle CPU window in seconds")
    arguments = parser.parse_args()

    data = os.environ.get("IMDB_DATA")
    if not data:
        sys.exit("IMDB_DATA is not set; set it to aclImdb_v1.tar.gz, aclImdb-labeled.tar.gz "
                 "or the aclImdb folder")
    data = str(Path(data).resolve())
    binary = str(arguments.binary.resolve())
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} is not an executable; build it with `cargo build --release`")

    tmux = Tmux()
    print(f"load at start {load_average()}", flush=True)
    try:
        start = measure_start(tmux, binary, data, arguments.repeats)
        settings = measure_settings_change(tmux, binary, data, arguments.repeats)
        single, burst, baseline, burst_keys = measure_typing(tmux, binary, data, arguments.keys)
        cpu_seconds, wall, percent = measure_idle(tmux, binary, data, arguments.idle_seconds)
    finally:
        tmux.close()
    print(f"load at end {load_average()}")

    print()
    print("| figure | measured |")
    print("| --- | --- |")
    print(f"| start to first epoch, from the tarball | {summary(start['tarball_first'])} |")
    print(f"| start to first epoch, from the cache | {summary(start['cache_first'])} |")
    print(f"| start to 20 epochs, from the tarball | {summary(start['tarball_all'])} |")
    print(f"| start to 20 epochs, from the cache | {summary(start['cache_all'])} |")
    first_to_all = [done - first for first, done in zip(start["cache_first"], start["cache_all"])]
    print(f"| first epoch to 20 epochs, from the cache | {summary(first_to_all)} |")
    print(f"| Enter in the settings panel (units 16 to 32) to first epoch | {summary(settings)} |")
    print(f"| key to redrawn review box, single keys | {summary(single)} |")
    print(f"| burst of {burst_keys} keys to redrawn review box | {burst:.0f} ms |")
    print(f"| key echoed by `cat` (tmux and polling floor) | {summary(baseline)} |")
    print(f"| idle CPU over {wall:.0f} s | {cpu_seconds:.2f} s = {percent:.2f}% of a core |")


if __name__ == "__main__":
    main()

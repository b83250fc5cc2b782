"""A reader who follows a page: one shell for the page's commands (variables set in one block
are there in the next, as in a terminal), other terminals for commands that keep running, and
Ctrl-C where the page says to press it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

from tests.docs.pages import Step, missing_lines

STEP_SECONDS = 180.0
READY_SECONDS = 90.0
STOP_SECONDS = 30.0
OUTPUT_SECONDS = 10.0
"""How long a running terminal has, once ready, to print what the page shows."""


class StepFailed(AssertionError):
    """A step of a page that did not do what the page says."""

    def __init__(self, page: str, step: Step, problem: str, output: str) -> None:
        tail = "\n".join(output.splitlines()[-40:])
        super().__init__(
            f"{page}:{step.line}: {problem}\n--- the block:\n{step.code}--- its output:\n{tail}"
        )


class Reader:
    """Carries out a page's steps in ``workdir`` with ``environment``; ``substitutions`` turn
    what the page names (a port, a network's URL) into what the test has for it."""

    def __init__(
        self,
        workdir: Path,
        environment: Mapping[str, str],
        substitutions: Mapping[str, str],
        steps_dir: Path | None = None,
    ) -> None:
        self.workdir = workdir
        self.environment = dict(environment)
        self.substitutions = dict(substitutions)
        self.steps_dir = steps_dir or workdir / ".steps"
        self.steps_dir.mkdir(exist_ok=True)
        self.shell = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=workdir,
            env=self.environment,
            text=True,
            start_new_session=True,
        )
        self._send("set -e")
        self.terminals: dict[str, subprocess.Popen[bytes]] = {}
        self.count = 0
        self.not_run: list[str] = []

    def substitute(self, text: str) -> str:
        for old, new in self.substitutions.items():
            text = text.replace(old, new)
        return text

    def follow(self, page: str, steps: list[Step]) -> None:
        """Carry out every step of ``page``, failing at the first that does not do what the
        page says."""
        for step in steps:
            self.count += 1
            if step.kind == "not run":
                self.not_run.append(f"{page}:{step.line} ({step.path})")
            elif step.kind == "save":
                target = self.workdir / self.substitute(step.path or "")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(self.substitute(step.code), encoding="utf-8")
            elif step.kind == "ctrl-c":
                self._interrupt(page, step)
            elif step.terminal is not None:
                self._start_terminal(page, step)
            else:
                output, code = self._run(page, step)
                self._check(page, step, output, code)

    # --- the page's own shell -------------------------------------------------------------------

    def _send(self, line: str) -> None:
        assert self.shell.stdin is not None
        self.shell.stdin.write(line + "\n")
        self.shell.stdin.flush()

    def _run(self, page: str, step: Step) -> tuple[str, int]:
        number = self.count
        script = self.steps_dir / f"{number}.{'py' if step.kind == 'python' else 'sh'}"
        out, rc = self.steps_dir / f"{number}.out", self.steps_dir / f"{number}.rc"
        script.write_text(self.substitute(step.code), encoding="utf-8")
        typed = "/dev/null"
        if step.typed is not None:
            typed = str(self.steps_dir / f"{number}.typed")
            Path(typed).write_text(step.typed.replace("\\n", "\n") + "\n", encoding="utf-8")
        if step.kind == "python":
            command = f"python {script} < {typed} > {out} 2>&1"
        else:
            command = f"source {script} < {typed} > {out} 2>&1"
        if step.exit_code:
            self._send(f"set +e; {command}; echo $? > {rc}; set -e")
        else:
            self._send(f"{command}; echo $? > {rc}")
        deadline = time.monotonic() + STEP_SECONDS
        while not rc.exists() or not rc.read_text().strip():
            if self.shell.poll() is not None:
                return _read(out), self.shell.returncode
            if time.monotonic() > deadline:
                raise StepFailed(page, step, f"still running after {STEP_SECONDS} s", _read(out))
            time.sleep(0.05)
        return _read(out), int(rc.read_text())

    def _check(self, page: str, step: Step, output: str, code: int) -> None:
        if code != step.exit_code:
            raise StepFailed(
                page, step, f"exit code {code}, the page expects {step.exit_code}", output
            )
        if step.output is not None:
            missing = missing_lines(self.substitute(step.output), output)
            if missing:
                raise StepFailed(page, step, f"output lacks the page's lines {missing}", output)

    # --- other terminals ------------------------------------------------------------------------

    def _start_terminal(self, page: str, step: Step) -> None:
        name = step.terminal or ""
        log = self.steps_dir / f"terminal-{name.replace(' ', '-')}-{self.count}.out"
        script = self.steps_dir / f"terminal-{self.count}.sh"
        script.write_text(self.substitute(step.code), encoding="utf-8")
        with log.open("wb") as sink:
            process = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-e", str(script)],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env=self.environment,
                start_new_session=True,
            )
        self.terminals[name] = process
        if step.ready is not None:
            self._wait_ready(page, step, process, log)
        if step.output is not None:
            self._wait_output(page, step, process, log)

    def _wait_ready(
        self, page: str, step: Step, process: subprocess.Popen[bytes], log: Path
    ) -> None:
        url = self.substitute(step.ready or "")
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StepFailed(page, step, f"ended with {process.returncode}", _read(log))
            with suppress(OSError, urllib.error.URLError), urllib.request.urlopen(url, timeout=2):
                return
            time.sleep(0.2)
        raise StepFailed(page, step, f"{url} did not answer in {READY_SECONDS} s", _read(log))

    def _wait_output(
        self, page: str, step: Step, process: subprocess.Popen[bytes], log: Path
    ) -> None:
        expected = self.substitute(step.output or "")
        deadline = time.monotonic() + OUTPUT_SECONDS
        while missing_lines(expected, _read(log)):
            if process.poll() is not None or time.monotonic() > deadline:
                missing = missing_lines(expected, _read(log))
                raise StepFailed(page, step, f"output lacks the page's lines {missing}", _read(log))
            time.sleep(0.2)

    def _interrupt(self, page: str, step: Step) -> None:
        process = self.terminals.pop(step.terminal or "", None)
        if process is None:
            raise StepFailed(page, step, f"no terminal named {step.terminal!r} runs", "")
        _stop(process)

    def close(self) -> None:
        """Ctrl-C in every terminal still running, and end the page's shell and what it
        started in the background."""
        for process in self.terminals.values():
            _stop(process)
        self.terminals.clear()
        with suppress(BrokenPipeError, OSError):
            self._send("exit 0")
        with suppress(BrokenPipeError, OSError):
            assert self.shell.stdin is not None
            self.shell.stdin.close()
        _stop(self.shell)
        if self.not_run:
            print(
                f"\n{len(self.not_run)} block(s) not run:",
                *self.not_run,
                sep="\n  ",
                file=sys.stderr,
            )


def _stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGINT to the process's group (what Ctrl-C sends), then SIGTERM, then SIGKILL."""
    for sent in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sent)
        try:
            process.wait(timeout=STOP_SECONDS if sent is signal.SIGINT else 5)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; its group may still hold the page's background jobs.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(0.5)
            os.killpg(process.pid, signal.SIGKILL)
        return


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""

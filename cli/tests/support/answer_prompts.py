#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts as a person
would: each answer is typed once its prompt has appeared and, for a prompt
that hides what is typed, once the program has turned echo off (waited for
at most ECHO_WAIT_S: a program that never turns it off has its answer
echoed, which the caller can see). Prints everything the terminal showed
and exits with the command's exit code (the command is killed after
TIMEOUT_S).

    answer_prompts.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARG ...]
"""
import os
import pty
import select
import signal
import sys
import termios
import time

TIMEOUT_S = 60
ECHO_WAIT_S = 10


def wait_for_echo_off(fd):
    deadline = time.monotonic() + ECHO_WAIT_S
    while time.monotonic() < deadline:
        try:
            if not termios.tcgetattr(fd)[3] & termios.ECHO:
                return
        except termios.error:
            return
        time.sleep(0.01)


def read_some(fd):
    ready, _, _ = select.select([fd], [], [], 0.1)
    if not ready:
        return b""
    try:
        return os.read(fd, 4096) or None
    except OSError:  # the child closed the terminal
        return None


def main():
    separator = sys.argv.index("--")
    pairs = sys.argv[1:separator]
    command = sys.argv[separator + 1:]
    answers = list(zip(pairs[0::2], pairs[1::2]))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    shown = b""
    searched_from = 0
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        chunk = read_some(fd)
        if chunk is None:
            break
        shown += chunk
        if answers:
            prompt, answer = answers[0]
            at = shown.find(prompt.encode(), searched_from)
            if at >= 0:
                searched_from = at + len(prompt)
                wait_for_echo_off(fd)
                os.write(fd, answer.encode() + b"\n")
                answers.pop(0)
    else:
        os.kill(pid, signal.SIGKILL)
    sys.stdout.write(shown.decode("utf-8", "replace"))
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


main()

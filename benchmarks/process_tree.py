"""Memory of a whole process tree, as the kernel accounts it: a process and every descendant.

A budget for "the ingester" has to count its children too (the parser child, multiprocessing's
resource tracker, any worker processes). Each process is measured by its PSS (proportional set
size, ``Pss:`` in ``/proc/<pid>/smaps_rollup``): pages shared between the processes (the
interpreter, libraries, copy-on-write) are split among them, so the sum is what the tree really
costs. Where ``smaps_rollup`` is missing (kernels before 4.14) or unreadable, ``VmRSS`` from
``/proc/<pid>/status`` is used instead, which counts shared pages in every process (an upper
bound); each figure says which it is. Children are found through
``/proc/<pid>/task/*/children`` (kernels 3.5+), recursively. Linux only.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
LABEL_CHARS = 60


@dataclass(frozen=True, slots=True)
class ProcessMemory:
    """One process's memory: KiB, and whether it is PSS or (the fallback) RSS."""

    pid: int
    label: str
    kib: int
    kind: str


@dataclass(frozen=True, slots=True)
class TreeSample:
    """The memory of every process of a tree at one moment."""

    processes: tuple[ProcessMemory, ...]

    @property
    def total_kib(self) -> int:
        """The tree's memory: the sum over its processes."""
        return sum(process.kib for process in self.processes)

    @property
    def kinds(self) -> str:
        """Which measure the figures are: "PSS", "RSS", or "PSS+RSS" when mixed."""
        return "+".join(sorted({process.kind for process in self.processes}))


def descendants(pid: int) -> Iterator[int]:
    """``pid``'s children, their children and so on (not ``pid`` itself); processes that
    end while being walked are skipped."""
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            yield child
            yield from descendants(child)


def label(pid: int) -> str:
    """A short name for a process: its command line, with the interpreter's path cut to its
    name and multiprocessing's bootstrap code named for what it starts."""
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"pid {pid}"
    words = [word.decode(errors="replace") for word in argv if word]
    if not words:
        return f"pid {pid}"
    text = " ".join([Path(words[0]).name, *words[1:]])
    for marker, name in (("resource_tracker", "resource tracker"), ("spawn_main", "spawned child")):
        if marker in text:
            return f"{Path(words[0]).name} ({name})"
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def process_memory(pid: int) -> ProcessMemory | None:
    """``pid``'s PSS, else its RSS; None when it has ended (or is a zombie, with no memory)."""
    base = PROC / str(pid)
    try:
        for line in (base / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return ProcessMemory(pid, label(pid), int(line.split()[1]), "PSS")
    except OSError:
        pass
    try:
        for line in (base / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return ProcessMemory(pid, label(pid), int(line.split()[1]), "RSS")
    except OSError:
        return None
    return None


def sample_tree(root: int) -> TreeSample:
    """The memory of ``root`` and every descendant now."""
    found = (process_memory(pid) for pid in (root, *descendants(root)))
    return TreeSample(tuple(process for process in found if process is not None))


@dataclass
class TreePeak:
    """Samples a tree and keeps the sample whose total was the largest."""

    root: int
    peak: TreeSample = field(default_factory=lambda: TreeSample(()))
    samples: int = 0

    def sample(self) -> TreeSample:
        """Sample the tree now; keep it if it is the largest so far."""
        now = sample_tree(self.root)
        self.samples += 1
        if now.total_kib > self.peak.total_kib:
            self.peak = now
        return now

    def report(self, budget_mb: float) -> list[str]:
        """Lines saying the peak against ``budget_mb`` (MB = 10^6 bytes) and its split."""
        peak = self.peak
        mb = peak.total_kib * 1024 / 1e6
        verdict = "within" if mb <= budget_mb else "OVER"
        lines = [
            f"process tree ({peak.kinds}, {len(peak.processes)} processes, peak of "
            f"{self.samples} samples): {peak.total_kib / 1024:.0f} MiB = {mb:.0f} MB, {verdict} "
            f"the {budget_mb:.0f} MB budget"
        ]
        for process in sorted(peak.processes, key=lambda process: -process.kib):
            lines.append(
                f"  {process.kib / 1024:7.1f} MiB {process.kind}  pid {process.pid}  "
                f"{process.label}"
            )
        return lines

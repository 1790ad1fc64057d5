"""One Luigi task per stage per unit of work (one document, or a shard of documents).

Each task is a few lines: its output is the keyed result of its stage (one
stat decides completeness), and run() calls pipeline.execute for every
document of its unit that is not up to date yet.
"""

from __future__ import annotations

from pathlib import Path

import luigi

from pipeline import execute, store
from pipeline.store import Doc


class StageTask(luigi.Task):
    """Base: `docs` is the unit of work, a tuple of (stem, path, sha256) triples."""

    docs = luigi.TupleParameter()
    output_dir = luigi.Parameter()
    stage: str = ""
    previous: type[StageTask] | None = None

    def documents(self) -> list[Doc]:
        return [Doc(*d) for d in self.docs]

    def requires(self):
        if self.previous is None:
            return []
        return self.previous(docs=self.docs, output_dir=self.output_dir)

    def output(self) -> luigi.LocalTarget:
        docs, out = self.documents(), Path(self.output_dir)
        if len(docs) == 1:
            return luigi.LocalTarget(str(store.state_path(out, docs[0], self.stage)))
        return luigi.LocalTarget(str(store.shard_marker(out, docs, self.stage)))

    def run(self) -> None:
        docs, out = self.documents(), Path(self.output_dir)
        if len(docs) == 1:
            execute.run_stage(self.stage, docs[0], out)
            return
        failed = []
        for doc in docs:  # a shard: one failed document must not stop the others
            if self.previous is not None and not execute.is_done(out, doc, self.previous.stage):
                failed.append(doc.stem)
                continue
            try:
                execute.run_stage(self.stage, doc, out)
            except execute.DocumentFailed:
                failed.append(doc.stem)
        # The marker lets this run's later stages go on for the others; one that lists failed
        # documents is forgotten at the start of the next run (runner.retry_failed_shards).
        store.write_text_atomic(Path(self.output().path), "".join(f"{name}\n" for name in failed))


class Extract(StageTask):
    stage = "extract"


class Decode(StageTask):
    stage = "decode"
    previous = Extract


class Normalise(StageTask):
    stage = "normalise"
    previous = Decode


class Strip(StageTask):
    stage = "strip"
    previous = Normalise


class Repair(StageTask):
    stage = "repair"
    previous = Strip


class Reassemble(StageTask):
    stage = "reassemble"
    previous = Repair


class Render(StageTask):
    stage = "render"
    previous = Reassemble


class CleanReports(luigi.WrapperTask):
    """Every document of the input, cleaned: one Render per unit of work."""

    units = luigi.TupleParameter()
    output_dir = luigi.Parameter()

    def requires(self):
        return [Render(docs=unit, output_dir=self.output_dir) for unit in self.units]

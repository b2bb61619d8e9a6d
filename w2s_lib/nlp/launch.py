"""Fan a sweep out as independent jobs (SLURM through ``submitit``), reusing the results cache.

Every run is one job. Runs are submitted in stages (supervisors and ceilings first, then the students
that read their labels), each stage as one job array, and the submitting process waits for a stage
before submitting the next. Finished runs are never resubmitted, so after an interruption (of the
jobs or of the submitting process) the same command resumes where the cache stops. Each job writes
its run folder with the cache's atomic rename, so a job killed halfway leaves nothing behind.

submitit moves the job function and its RunConfig to the job by pickle; results stay JSON/Parquet.
"""

from __future__ import annotations

from pathlib import Path

from w2s_lib.core import runs
from w2s_lib.nlp.protocol import NlpRun, RunConfig

CLUSTERS = ("auto", "slurm", "local", "debug")


def stages(todo: list[runs.Run]) -> list[list[runs.Run]]:
    """The runs of ``todo`` that are not done (``runs.is_done``: unfinished, or stale), with the unfinished runs
    they read (generative finetuning's too), grouped so that each run only reads runs that are done or in
    earlier stages (``runs.dependency_order``)."""
    order = runs.dependency_order(todo, skip=runs.is_done)
    out: list[list[runs.Run]] = [[] for _ in range(1 + max((d for _, d in order), default=-1))]
    for run, d in order:
        out[d].append(run)
    return out


def run_job(run: runs.Run) -> str:
    """What one job does: the run, through the cache (a no-op if another job finished it)."""
    runs.run_or_load(run, progress=False)
    return run.name


def make_executor(
    folder,
    *,
    cluster: str = "auto",
    partition: str | None = None,
    gpus_per_node: int = 1,
    cpus_per_task: int = 8,
    mem_gb: int | None = None,
    timeout_min: int = 240,
    array_parallelism: int = 256,
    slurm_args: dict | None = None,
):
    """A submitit executor: SLURM when ``sbatch`` is there (or ``cluster="slurm"``), else local processes."""
    try:
        import submitit
    except ImportError:
        raise ImportError("the submitit launcher needs submitit: pip install 'w2s[scale]'") from None
    if cluster not in CLUSTERS:
        raise ValueError(f"unknown cluster {cluster!r}; valid: {', '.join(CLUSTERS)}")
    ex = submitit.AutoExecutor(folder=folder, cluster=None if cluster == "auto" else cluster)
    params = dict(
        name="w2s",
        timeout_min=timeout_min,
        cpus_per_task=cpus_per_task,
        gpus_per_node=gpus_per_node,
        slurm_array_parallelism=array_parallelism,
    )
    if partition:
        params["slurm_partition"] = partition
    if mem_gb:
        params["mem_gb"] = mem_gb
    if slurm_args:
        params["slurm_additional_parameters"] = dict(slurm_args)
    ex.update_parameters(**params)
    return ex


def submit_runs(configs: list[RunConfig], root, executor, *, checkpoint: bool = False, progress: bool = True) -> list:
    """Submit the runs of ``configs`` that are not done stage by stage and wait for each; returns the submitted jobs.

    A failed job stops the sweep after its stage with the job's error (its log is in the executor's
    folder); the runs that finished stay in the cache.
    """
    from tqdm.auto import tqdm

    plan = stages([NlpRun(c, Path(root), checkpoint=checkpoint) for c in configs])
    submitted = []
    with tqdm(total=sum(map(len, plan)), desc="jobs", disable=not progress) as bar:
        for k, stage in enumerate(plan):
            jobs = executor.map_array(run_job, stage)
            submitted += jobs
            bar.set_postfix_str(f"stage {k + 1}/{len(plan)}, jobs {jobs[0].job_id}..")
            failures = []
            for job in jobs:
                try:
                    job.result()
                except Exception as e:  # reported below with the job's id
                    failures.append(f"job {job.job_id}: {str(e).strip().splitlines()[-1]}")
                bar.update(1)
            if failures:
                raise RuntimeError(
                    f"{len(failures)} job(s) failed in stage {k + 1}; logs in {executor.folder}: "
                    + "; ".join(failures[:3])
                )
    return submitted

"""Scoring's commands: ``score`` (JSON scoring input in, JSON result out, docs/scoring.md) and ``refresh-scores``.

``score`` is not bound to an application context, so offices can check rule sets and migrate past
years without a database.
"""

from __future__ import annotations

import json
import time
from typing import Any, NoReturn

import click
from flask.cli import with_appcontext

from portal.extensions import db, utcnow, write_transaction
from portal.jobs import SKIPPED, refresh_planner_statistics, run_alone
from portal.scoring.engine import score_input, to_json_result
from portal.scoring.gather import export_facts
from portal.scoring.runs import compute_scores, current_run

# click's own usage errors also exit with 2, so every bad input looks alike to scripts.
BAD_INPUT_EXIT_CODE = 2


class _BadInputError(Exception):
    pass


@click.command("score")
@click.argument("file", metavar="FILE")
def score_command(file: str) -> None:
    """按规则集计算各单位积分,输出 JSON 结果。

    FILE 为评分输入的 JSON 文件路径,"-" 表示从标准输入读取。
    """
    try:
        result = score_input(_read_json(file))
    except _BadInputError as error:
        _abort(str(error))
    except ValueError as error:
        _abort(f"评分输入有误：{error}")
    click.echo(json.dumps(to_json_result(result), ensure_ascii=False, indent=2))


def _abort(message: str) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    raise click.exceptions.Exit(BAD_INPUT_EXIT_CODE)


def _read_json(file: str) -> Any:
    try:
        with click.open_file(file, "rb") as handle:  # "-" is standard input
            raw = handle.read()
    except OSError as error:
        raise _BadInputError(f"无法读取文件 {file}：{_describe_os_error(error)}") from error
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise _BadInputError(f"文件 {file} 不是 UTF-8 编码的文本") from error
    except json.JSONDecodeError as error:
        raise _BadInputError(
            f"文件 {file} 不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）"
        ) from error


def _describe_os_error(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "文件不存在"
    if isinstance(error, PermissionError):
        return "没有读取权限"
    if isinstance(error, IsADirectoryError):
        return "这是一个目录，不是文件"
    return error.strerror or str(error)


@click.command("export-facts")
@with_appcontext
def export_facts_command() -> None:
    """输出计分事实（score 命令的输入格式）：与当前保存的积分同一时点，可交 score 命令复核。

    The moment is the stored run's as_of (so `flask score` reproduces the stored scores), or now.
    """
    run = current_run()
    as_of = run.as_of if run is not None else utcnow()
    click.echo(json.dumps(export_facts(as_of), ensure_ascii=False, indent=1))


@click.command("refresh-scores")
@with_appcontext
def refresh_scores_command() -> None:
    """重新计算并保存全部单位积分（由定时任务每 5 分钟运行）。

    Pages recompute stored scores older than SCORE_MAX_AGE_MINUTES themselves; at province size that
    is half a minute of someone's request, so production refreshes them here, ahead of the pages.
    Every server's timer may start it: one run scores, the others skip (portal.jobs).
    """
    started = time.perf_counter()
    with run_alone("refresh-scores") as alone:
        if not alone:
            click.echo(SKIPPED.format(command="refresh-scores"))
            return
        with write_transaction():
            run = compute_scores()
            db.session.commit()
        refresh_planner_statistics()
    click.echo(f"积分已更新 scores refreshed: run {run.id}, {time.perf_counter() - started:.1f} s"
               + (f"；计分提示：{run.error}" if run.error else ""))

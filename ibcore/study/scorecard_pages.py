"""The scorecard as the book shows it: one compact table, the landing page's findings, and the records.

:func:`scorecard_page` renders the rows of :func:`ibcore.study.scorecard.load` as one table that a
laptop screen shows without horizontal scrolling (paper, claim, verdict as a coloured badge, ours
with its interval, the number of deviations linking to their list) followed by one record per claim
(rule and reason, every interval, deviations, settings the paper does not state, the paper's
settings with their sources, notebook and commit). :func:`findings_matrix` is the landing page's
paper x claim matrix of verdicts. Both are HTML inside Markdown (MyST passes raw HTML through),
styled inline so that they need no extra stylesheet.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from ibcore.study.claims import VERDICTS

__all__ = ["BADGE_COLOURS", "PAPER_NAMES", "badge", "scorecard_page", "findings_matrix"]

#: Background colour of each verdict's badge (white text on all of them).
BADGE_COLOURS = {
    "reproduced": "#1b7837",
    "partly": "#7b6a00",
    "not reproduced": "#b2182b",
    "inconclusive": "#5e5e8a",
    "not comparable": "#6f6f6f",
}
#: The papers as the tables name them (the keys are the bibliography's).
PAPER_NAMES = {
    "shwartzziv2017": "Shwartz-Ziv & Tishby 2017",
    "saxe2018": "Saxe et al. 2018",
    "geiger2021": "Geiger 2021",
    "goldfeld2019": "Goldfeld et al. 2019",
    "butakov2024": "Butakov et al. 2024",
    "elad2019": "Elad et al. 2019",
}
_TABLE = 'style="width:100%;table-layout:fixed;border-collapse:collapse;font-size:0.85em"'
_CELL = 'style="vertical-align:top;padding:3px 5px;border-bottom:1px solid #ddd;overflow-wrap:anywhere"'


def _e(value: Any) -> str:
    return html.escape(
        "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    )


def badge(verdict: str, title: str = "") -> str:
    """The verdict as a small coloured label (``title`` becomes its tooltip)."""
    if verdict not in BADGE_COLOURS:
        raise ValueError(f"unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}")
    tip = f' title="{_e(title)}"' if title else ""
    return (
        f'<span{tip} style="background:{BADGE_COLOURS[verdict]};color:#fff;padding:1px 7px;'
        f'border-radius:9px;white-space:nowrap;font-size:0.9em">{_e(verdict)}</span>'
    )


def _anchor(key: Any) -> str:
    return "claim-" + "".join(c if c.isalnum() else "-" for c in str(key)).strip("-").lower()


def _intervals(row: dict[str, Any]) -> list[dict[str, Any]]:
    items = row.get("intervals")
    return items if isinstance(items, list) else []


def _short_interval(item: dict[str, Any]) -> str:
    est = item["estimate"]
    if item.get("low") is None or item.get("high") is None:
        return f"{est:.3g} (no interval: {item.get('n', 1)} value)"
    return f"{est:.3g} [{item['low']:.3g}, {item['high']:.3g}]"


def _ours_cell(row: dict[str, Any]) -> str:
    """One interval in full; several as counts of their outcomes (the record lists each)."""
    items = _intervals(row)
    if not items:
        return _e(row.get("our value"))
    if len(items) == 1:
        text = _short_interval(items[0])
        method = items[0].get("method", "")
        cell = f"{_e(text)}<br><small>{_e(method)}</small>"
    else:
        counts = pd.Series([i.get("outcome", "?") for i in items]).value_counts()
        parts = [f"{n} {o}" for o, n in counts.items()]
        cell = f"{len(items)} items: {_e(', '.join(parts))}"
    support = row.get("support")
    if support:
        cell += f"<br><small>{_e(support)}</small>"
    return cell


def _deviation_cell(row: dict[str, Any]) -> str:
    devs = row.get("deviations")
    if not isinstance(devs, list):
        return "-"
    n_dec = row.get("decisive deviations") or 0
    label = "none" if not devs else f"{len(devs)}" + (f" ({n_dec} decisive)" if n_dec else "")
    return f'<a href="#{_anchor(row.get("key"))}">{_e(label)}</a>'


def _archived_cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "<small>not run</small>"
    stale = "" if row.get("archive current", True) else "<br><small>code changed since</small>"
    return badge(row["verdict"], f"{row.get('interval') or ''} - {row.get('archive status') or ''}") + stale


def scorecard_page(df: pd.DataFrame, archived: dict[str, dict[str, Any]] | None = None) -> str:
    """The scorecard page's generated part: the compact table, then one record per claim.

    ``archived``: `paper`-profile rows by claim key (:func:`ibcore.study.archive.archived_rows`);
    when any is given, the table gets a column "at `paper`" with their verdicts ("not run" for the
    claims without an entry) and the page says when and where those ran."""
    if df.empty:
        return "*No scorecard rows were recorded at this profile.*"
    rows = df.to_dict(orient="records")
    counts = pd.Series([r["verdict"] for r in rows]).value_counts()
    summary = ", ".join(f"{badge(v)} {counts[v]}" for v in VERDICTS if v in counts)
    heads = ["paper", "claim", "verdict", "ours (95 % interval)", "deviations"]
    widths = [14, 36, 13, 25, 12]
    if archived:
        heads.append("at <code>paper</code>")
        widths = [13, 31, 12, 22, 10, 12]
    out = [f"<p>{len(rows)} claims: {summary}.</p>"]
    if archived:
        runs = sorted({r["archive status"] for r in archived.values()})
        out.append(
            f"<p>{len(archived)} claims also ran at the <code>paper</code> profile (results/paper/, kept in "
            "the repository with their provenance): " + "; ".join(_e(x) for x in runs) + ".</p>"
        )
    out += [
        f"<table {_TABLE}>",
        "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>",
        "<thead><tr>"
        + "".join(f'<th style="text-align:left;padding:3px 5px">{h}</th>' for h in heads)
        + "</tr></thead><tbody>",
    ]
    for r in rows:
        paper = PAPER_NAMES.get(r["paper"], r["paper"])
        extra = f"<td {_CELL}>{_archived_cell(archived.get(r.get('key')))}</td>" if archived else ""
        out.append(
            f"<tr><td {_CELL}>{_e(paper)}</td><td {_CELL}>{_e(r['claim'])}</td>"
            f"<td {_CELL}>{badge(r['verdict'], r.get('reason') or '')}</td>"
            f"<td {_CELL}>{_ours_cell(r)}</td><td {_CELL}>{_deviation_cell(r)}</td>{extra}</tr>"
        )
    out.append("</tbody></table>")
    out += ["", "## The claim records", ""]
    for r in rows:
        out += _record(r)
    return "\n".join(out)


def _record(r: dict[str, Any]) -> list[str]:
    paper = PAPER_NAMES.get(r["paper"], r["paper"])
    lines = [
        f'<div id="{_anchor(r.get("key"))}" style="margin:0.8em 0;padding-left:0.6em;border-left:3px solid '
        f'{BADGE_COLOURS[r["verdict"]]}">',
        f"<p><b>{_e(paper)}: {_e(r['claim'])}</b> {badge(r['verdict'])}<br>",
        f"<small>{_e(r.get('where') or '')} &middot; key <code>{_e(r.get('key'))}</code> &middot; "
        f"{_e(r.get('notebook'))}, profile <code>{_e(r.get('profile'))}</code>, seeds {_e(r.get('seeds'))}, "
        f"commit <code>{_e(r.get('commit'))}</code></small></p>",
        "<ul>",
        f"<li><b>paper</b>: {_e(r.get('paper value'))}</li>",
        f"<li><b>ours</b>: {_e(r.get('our value'))}</li>",
    ]
    if r.get("rule"):
        lines.append(f"<li><b>rule</b> (fixed before the run): {_e(r['rule'])}</li>")
    if r.get("reason"):
        lines.append(f"<li><b>verdict</b>: {_e(r['reason'])}</li>")
    items = _intervals(r)
    if items:
        lines.append(
            "<li><b>intervals</b>: "
            + "; ".join(
                f"{_e(i.get('item') or '')}{': ' if i.get('item') else ''}{_e(_short_interval(i))} "
                f"({_e(i.get('outcome', ''))})"
                for i in items
            )
            + f" <small>({_e(items[0].get('method', ''))}, "
            f"{items[0].get('level', 0.95):.0%} level)</small></li>"
        )
    devs = r.get("deviations")
    if isinstance(devs, list):
        lines.append(
            "<li><b>deviations from the paper</b>: "
            + ("none" if not devs else "<ul>" + "".join(f"<li>{_e(d)}</li>" for d in devs) + "</ul>")
            + "</li>"
        )
    unstated = r.get("unstated")
    if isinstance(unstated, list) and unstated:
        lines.append(f"<li><b>not stated by the paper or its code</b>: {_e(', '.join(unstated))}</li>")
    settings = r.get("paper settings")
    if isinstance(settings, dict) and settings:
        lines.append(
            "<li><details><summary>the paper's settings and their sources</summary><ul>"
            + "".join(
                f"<li><code>{_e(name)}</code> = {_e(s.get('value'))}"
                f"{'' if s.get('decisive') else ' (uncertainty only)'}: {_e(s.get('source'))}</li>"
                for name, s in settings.items()
            )
            + "</ul></details></li>"
        )
    lines += ["</ul>", "</div>", ""]
    return lines


def findings_matrix(df: pd.DataFrame) -> str:
    """The landing page's findings: one row per paper, a badge per claim (its sentence as tooltip),
    and the count of each verdict."""
    if df.empty:
        return "*No scorecard rows were recorded at this profile.*"
    rows = df.to_dict(orient="records")
    papers = list(dict.fromkeys(r["paper"] for r in rows))
    head = "".join(
        f'<th style="text-align:center;padding:3px 4px;font-weight:normal">{badge(v)}</th>' for v in VERDICTS
    )
    out = [
        '<table style="border-collapse:collapse;font-size:0.85em;width:100%">',
        f'<thead><tr><th style="text-align:left;padding:3px 5px">paper</th>'
        '<th style="text-align:left;padding:3px 5px">its claims, in the order of the scorecard</th>'
        f"{head}</tr>"
        "</thead><tbody>",
    ]
    for paper in papers:
        mine = [r for r in rows if r["paper"] == paper]
        cells = " ".join(
            f'<a href="scorecard.html#{_anchor(r.get("key"))}" style="text-decoration:none">'
            f"{badge(r['verdict'], r['claim'])}</a>"
            for r in mine
        )
        counts = pd.Series([r["verdict"] for r in mine]).value_counts()
        nums = "".join(
            f"<td {_CELL.replace('vertical-align:top', 'text-align:center')}>{counts.get(v, '') or ''}</td>"
            for v in VERDICTS
        )
        out.append(
            f"<tr><td {_CELL}>{_e(PAPER_NAMES.get(paper, paper))}</td><td {_CELL}>{cells}</td>{nums}</tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)

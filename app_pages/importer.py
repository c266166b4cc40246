"""数据导入 Import: upload files (+ optional mapping), see the validation report before anything is
written, then import with a progress bar and a summary; download the reject file."""
from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import auth
from app_pages.chrome_zh import uploader_instructions
from app_pages.common import localise, data_changed, get_store, tr, label_name, md
from loaders.limits import limit
from loaders.load import validate_paths
from loaders.problems import LoadRejected, per_file

TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "jsonl", "json", "ndjson"]


def _save(uploads, folder: Path) -> list[Path]:
    paths = []
    for upload in uploads:
        path = folder / Path(upload.name).name     # never a path the uploader chose
        path.write_bytes(upload.getvalue())
        paths.append(path)
    return paths


def upload_limit_mb() -> float:
    """The real per-file limit: CHAINGRAPH_MAX_UPLOAD_MB, and never more than the server accepts
    (``server.maxUploadSize``, .streamlit/config.toml), so the widget never promises what is refused."""
    return min(limit("upload_mb"), st.get_option("server.maxUploadSize"))


def page() -> None:
    st.title(tr("数据导入", "Import"))
    if not auth.require("editor"):      # no write without a logged-in editor
        return
    store = get_store()
    if store is None:
        return
    st.caption(tr("文件名即标签或关系类型（如 企业.csv、供应.xlsx）；其他格式请附映射文件。",
                  "Name files after a label or relationship type (企业.csv, SUPPLIES.xlsx); other layouts need a mapping."))
    max_mb = upload_limit_mb()
    # The widget refuses bigger files before they are sent (it counts whole MB: the exact limit is
    # checked again below); the server refuses them at server.maxUploadSize whatever the browser does.
    uploads = st.file_uploader(tr("数据文件", "Data files"), type=TYPES, accept_multiple_files=True, key="import_files",
                               max_upload_size=max(1, math.ceil(max_mb)))
    mapping = st.file_uploader(tr("映射文件（可选，YAML）", "Mapping (optional, YAML)"), type=["yaml", "yml"],
                               key="import_mapping", max_upload_size=max(1, math.ceil(limit("mapping_kb") / 1024)))
    uploader_instructions("import_files", f"拖放文件到此处；单个文件上限 {max_mb:g} MB（CSV、TSV、XLSX、JSON Lines）")
    uploader_instructions("import_mapping", f"拖放映射文件到此处；上限 {limit('mapping_kb'):g} KB（YAML）")
    skip_invalid = st.checkbox(tr("跳过无效行（其余照常导入）", "Skip invalid rows (load the rest)"), key="import_skip")
    header_row = st.number_input(tr("表头所在行（0 = 第一个非空行；表头上方有标题行时填写，如 2）",
                                    "Header row (0 = the first non-blank row; e.g. 2 when a title row is above it)"),
                                 min_value=0, max_value=1000, value=0, step=1, key="import_header_row") or None
    blank_overwrites = st.checkbox(tr("允许空单元格清除已有值", "Let empty cells erase stored values"),
                                   key="import_blank")
    if not uploads:
        return
    too_big = [u.name for u in uploads if u.size > max_mb * 1024 * 1024]
    if too_big:
        st.error(tr(f"文件超过 {max_mb:g} MB 上限：", f"Over the {max_mb:g} MB limit: ") + md("、".join(too_big)))
        return
    if mapping is not None and mapping.size > limit("mapping_kb") * 1024:
        st.error(tr(f"映射文件超过 {limit('mapping_kb')} KB 上限：", f"Mapping over the {limit('mapping_kb')} KB limit: ")
                 + md(mapping.name))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "uploads"
        folder.mkdir()
        _save(uploads, folder)
        mapping_path = None
        if mapping is not None:
            mapping_path = Path(tmp) / "mapping.yaml"
            mapping_path.write_bytes(mapping.getvalue())
        plan = validate_paths(store, [folder], mapping=mapping_path, header_row=header_row)
        problems = plan.all_problems()
        counts = plan.row_counts()
        st.subheader(tr("校验报告", "Validation report"))
        if problems:
            st.error(tr(f"发现 {len(problems)} 处问题", f"{len(problems)} problem(s)"))
            st.dataframe(localise(pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column, "reason": p.reason}
                                       for p in per_file(problems)])), hide_index=True, width="stretch")
        else:
            st.success(tr("校验通过", "All rows valid"))
        st.dataframe(pd.DataFrame([(label_name(k), v) for k, v in counts.items()],
                                  columns=[tr("类型", "Label or type"), tr("行数", "Rows")]), hide_index=True)
        if problems and not skip_invalid:
            st.info(tr("修正问题后再导入，或勾选“跳过无效行”。", "Fix the problems, or tick 'skip invalid rows'."))
            return
        if not st.button(tr("导入", "Import"), type="primary", key="import_go"):
            return
        bar = st.progress(0.0, text=tr("写入中…", "Writing…"))

        def progress(what, done, total):
            bar.progress(done / max(total, 1), text=f"{what}: {done}/{total}")
        try:
            from security import writes
            # Reject files go beside the uploads, never among them (they would be read as input).
            summary, _ = writes.load(store, [folder], who=auth.current_user().who, data_dir=auth.data_dir(),
                                     blank_overwrites=blank_overwrites, mapping=mapping_path,
                                     skip_invalid=skip_invalid, progress=progress, rejects_dir=Path(tmp) / "rejects",
                                     header_row=header_row)
        except LoadRejected as exc:
            st.error(md(exc))
            return
        data_changed()
        st.success(tr("导入完成（已记入审计日志，可在“设置”页撤销）", "Imported (audited; undo on the Settings page)"))
        if summary.changes.changes:     # a re-load that overwrote stored values says so
            st.warning(tr("以下已有值被覆盖：", "These stored values were overwritten:"))
            st.code("\n".join(summary.changes.lines()), language=None)    # plain text: never markdown
        st.dataframe(localise(pd.DataFrame(summary.table())), hide_index=True, width="stretch")
        if summary.matches:
            st.subheader(tr("企业匹配", "Firm matching"))
            st.dataframe(pd.DataFrame([m.as_dict() for m in summary.matches]), hide_index=True, width="stretch")
        if summary.notes:
            st.info(tr(f"{len(summary.notes)} 条提示（重复行已合并、取值已规范）", f"{len(summary.notes)} note(s)"))
            st.dataframe(pd.DataFrame([{"file": n.file, "row": n.row, "column": n.column, "note": n.reason}
                                       for n in summary.notes]), hide_index=True, width="stretch")
        for path in summary.reject_files:
            st.download_button(tr(f"下载被拒绝的行：{md(path.name)}", f"Download rejected rows: {md(path.name)}"),
                               path.read_bytes(), file_name=path.name, mime="text/csv", key=f"rej-{path.name}")

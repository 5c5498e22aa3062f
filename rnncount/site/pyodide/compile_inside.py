"""Run inside Pyodide by precompile.mjs: import what the site imports at start, then rewrite the archives.

Every module that was imported from Python source is compiled to bytecode (an unchecked-hash .pyc, so
no file times are compared). In the standard library's zip and in third-party wheels the .pyc takes
the place of the .py (sourceless, as Pyodide's own ``py-compile`` leaves them), which keeps the download small;
the packages named in ``keep_source`` keep their .py beside a ``__pycache__`` entry, so that their
tracebacks still show source lines. The value of the last expression is the report, as JSON.
"""

import base64
import hashlib
import importlib
import io
import json
import os
import py_compile
import sys
import zipfile

request = json.loads(REQUEST)  # noqa: F821 (set by precompile.mjs)
failed = []
for name in request["imports"]:
    try:
        importlib.import_module(name)
    except Exception as err:  # an optional module that cannot import here is left as source
        failed.append(f"{name}: {type(err).__name__}")

STDLIB = next(p for p in sys.path if p.endswith(".zip")) + "/"
SITE = next(p for p in sys.path if p.endswith("site-packages")) + "/"
imported = set()
for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None) or ""
    if path.endswith(".py"):
        imported.add(path)


def bytecode(source: bytes, shown_as: str) -> bytes:
    with open("/tmp/source.py", "wb") as fh:
        fh.write(source)
    py_compile.compile(
        "/tmp/source.py",
        "/tmp/compiled.pyc",
        dfile=shown_as,
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    with open("/tmp/compiled.pyc", "rb") as fh:
        return fh.read()


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def rewrite(archive: str, root: str, keep_source: bool) -> int:
    path = "/tmp/archives/" + archive
    with zipfile.ZipFile(path) as src:
        infos = src.infolist()
        wanted = {i.filename for i in infos if root + i.filename in imported}
        if not wanted:
            return 0
        buf = io.BytesIO()
        record_name, record, added, dropped = None, b"", [], set()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
            for info in infos:
                data = src.read(info)
                name = info.filename
                if name.endswith(".dist-info/RECORD"):
                    record_name, record = name, data
                    continue
                if name not in wanted:
                    out.writestr(info, data, zipfile.ZIP_DEFLATED, 9)
                    continue
                code = bytecode(data, root + name)
                if keep_source:
                    folder, base = os.path.split(name)
                    cached = f"__pycache__/{base[:-3]}.{sys.implementation.cache_tag}.pyc"
                    target = f"{folder}/{cached}" if folder else cached
                    out.writestr(info, data, zipfile.ZIP_DEFLATED, 9)
                else:
                    target = name + "c"
                    dropped.add(name)
                out.writestr(zipfile.ZipInfo(target, info.date_time), code, zipfile.ZIP_DEFLATED, 9)
                added.append(record_line(target, code))
            if record_name:
                lines = [ln for ln in record.decode().splitlines() if ln and ln.split(",")[0] not in dropped]
                lines[-1:-1] = added  # the RECORD's own line stays last
                out.writestr(record_name, "\n".join(lines) + "\n", zipfile.ZIP_DEFLATED, 9)
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())
    return len(wanted)


compiled = {}
for archive in request["archives"]:
    is_stdlib = archive == request["stdlib"]
    keep = any(archive.startswith(k + "-") for k in request["keep_source"])
    n = rewrite(archive, STDLIB if is_stdlib else SITE, keep)
    if n:
        compiled[archive] = n
json.dumps({"compiled": compiled, "failed": failed})

"""CPU kernel choices: run the suite as machines with other CPUs would, and check that it did.

MKL, oneDNN, ATen (torch's own vectorized kernels), OpenBLAS and numpy each pick their kernels
from the CPU they find, so a float computed through a matrix product or a reduction can differ in
its last bits from one x86-64 machine to another. Each library can be told to pick the kernels of
an older CPU; :data:`CHOICES` holds two such choices besides the native one, and ``make test``
runs the pytest suite (tests, doctests, nbval) under each of them in turn.

A setting a library ignores would turn such a pass into a silent re-run of the native one, so
:func:`check` reads back what each library actually uses (ATen's capability, oneDNN's and MKL's
verbose banners from a child process, OpenBLAS's core type through threadpoolctl, numpy's
dispatched CPU features) and reports a requested choice that did not take effect. MKL takes
no code-path request on a non-Intel CPU (it runs its own path for those): there only its
``COMPATIBLE`` branch can be checked, and the report says so.

By hand::

    python tests/cpu_kernels.py            # what this process uses
    python tests/cpu_kernels.py --env avx2 # the environment of a choice, as KEY=VALUE words
    make pytest-kernels KERNELS=sse42      # the suite under one choice
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

#: The environment of each kernel choice. ``avx2``: a machine without AVX-512 (Haswell to Ice
#: Lake client, Zen 1-3). ``sse42``: an old x86-64 without AVX (Nehalem); MKL's COMPATIBLE branch
#: is its SSE2-only code path. OPENBLAS_CORETYPE is set only to core types no newer than the
#: machine's own (older kernels use fewer instructions, so they run on every x86-64 CPU).
CHOICES: dict[str, dict[str, str]] = {
    "native": {},
    "avx2": {
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "MKL_CBWR": "AVX2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "ATEN_CPU_CAPABILITY": "avx2",
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL,AVX512_SPR",
    },
    "sse42": {
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "MKL_CBWR": "COMPATIBLE",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "ATEN_CPU_CAPABILITY": "default",
        "OPENBLAS_CORETYPE": "Nehalem",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3,X86_V4,AVX512_ICL,AVX512_SPR",
    },
}

# ATen capabilities from the least to the most capable
_ATEN_ORDER = ["DEFAULT", "AVX2", "AVX512"]

# A child process that runs an MKL sgemm and a oneDNN convolution with both verbose banners on.
_PROBE = (
    "import torch; a = torch.ones(64, 64); a @ a; "
    "torch.nn.functional.conv2d(torch.ones(8, 3, 32, 32), torch.ones(16, 3, 3, 3))"
)


def _cpu_vendor() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _verbose_banners() -> tuple[str, str]:
    """(oneDNN's ISA, MKL's CNR branch) as a fresh process with this environment reports them."""
    env = dict(os.environ, MKL_VERBOSE="1", ONEDNN_VERBOSE="1")
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120, check=False
    ).stdout
    isa = re.search(r"onednn_verbose,(?:v1,)?info,cpu,isa:(.*)", out)
    cnr = re.search(r"CNR:([A-Z0-9_,]+)", out)
    return (isa.group(1).strip() if isa else "not reported"), (cnr.group(1) if cnr else "not reported")


def report() -> dict[str, str]:
    """What each library uses in this process (and, for MKL and oneDNN, in a child process)."""
    import numpy as np
    import scipy.linalg  # noqa: F401  (loads scipy's own OpenBLAS, so threadpoolctl lists it)
    import threadpoolctl
    import torch

    np.ones((2, 2)) @ np.ones((2, 2))
    from numpy._core._multiarray_umath import __cpu_features__ as features

    isa, cnr = _verbose_banners()
    blas = sorted(
        {
            f"{i['prefix']} {i.get('architecture')}"
            for i in threadpoolctl.threadpool_info()
            if i["internal_api"] == "openblas"
        }
    )
    wide = [k for k in ("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR") if features.get(k)]
    return {
        "cpu": _cpu_vendor(),
        "aten": torch.backends.cpu.get_cpu_capability(),
        "onednn": isa,
        "mkl": f"CNR:{cnr}",
        "openblas": "; ".join(blas) or "none loaded",
        "numpy": " ".join(wide) or "baseline only",
    }


def check(name: str, seen: dict[str, str]) -> list[str]:
    """The settings of choice ``name`` that did not take effect, as sentences (empty: all did)."""
    want = CHOICES[name]
    problems = []
    if "ATEN_CPU_CAPABILITY" in want:
        cap = want["ATEN_CPU_CAPABILITY"].upper()
        if _ATEN_ORDER.index(seen["aten"]) > _ATEN_ORDER.index(cap):
            problems.append(f"ATen runs {seen['aten']} kernels, asked for at most {cap}")
    if "ONEDNN_MAX_CPU_ISA" in want:
        isa = seen["onednn"]
        bad = "AVX-512" in isa or "AMX" in isa or (want["ONEDNN_MAX_CPU_ISA"] == "SSE41" and "AVX" in isa)
        if bad or isa == "not reported":
            problems.append(f"oneDNN reports ISA {isa!r}, asked for at most {want['ONEDNN_MAX_CPU_ISA']}")
    if want.get("MKL_CBWR") == "COMPATIBLE" and seen["mkl"] != "CNR:COMPATIBLE":
        problems.append(f"MKL reports {seen['mkl']}, asked for MKL_CBWR=COMPATIBLE")
    elif "MKL_CBWR" in want and seen["cpu"] == "GenuineIntel" and seen["mkl"] != f"CNR:{want['MKL_CBWR']}":
        problems.append(f"MKL reports {seen['mkl']}, asked for MKL_CBWR={want['MKL_CBWR']}")
    if "OPENBLAS_CORETYPE" in want:
        core = want["OPENBLAS_CORETYPE"].lower()
        if not seen["openblas"] or any(
            part.split()[-1].lower() != core for part in seen["openblas"].split("; ")
        ):
            problems.append(f"OpenBLAS runs {seen['openblas']!r}, asked for {want['OPENBLAS_CORETYPE']}")
    if "NPY_DISABLE_CPU_FEATURES" in want:
        left = set(seen["numpy"].split()) & set(want["NPY_DISABLE_CPU_FEATURES"].split(","))
        if left:
            problems.append(f"numpy still dispatches {sorted(left)}")
    return problems


def describe(name: str, seen: dict[str, str]) -> str:
    """One line per library, for pytest's header."""
    note = ""
    if CHOICES[name].get("MKL_CBWR") not in (None, "COMPATIBLE") and seen["cpu"] != "GenuineIntel":
        note = " (MKL takes no code-path request on a non-Intel CPU)"
    lines = [f"CPU kernels: {name} ({seen['cpu']})"]
    lines += [f"  {k}: {v}{note if k == 'mkl' else ''}" for k, v in seen.items() if k != "cpu"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--env"]:
        print(" ".join(f"{k}={v}" for k, v in CHOICES[argv[1]].items()))
        return 0
    name = argv[0] if argv else os.environ.get("IBSTUDY_KERNELS", "native")
    seen = report()
    print(describe(name, seen))
    problems = check(name, seen)
    for p in problems:
        print(f"NOT IN EFFECT: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

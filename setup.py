"""Bundle the shipped lake project (stack, contracts, examples) into the wheel.

`lakectl new` and `lakectl demo` need the stack, the example contracts and uploads. In a source
checkout (and an editable install) they are read from the repository itself; a built wheel carries a
copy under ``lakectl/_bundle`` made here, so there is one source of truth.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("terraform", "contracts", "examples", "lambda")
IGNORE = shutil.ignore_patterns(".terraform*", "*.tfstate*", "*.tfplan", "__pycache__", "*.pyc")


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        root = Path(__file__).parent
        target = Path(self.build_lib) / "lakectl" / "_bundle"
        if target.exists():
            shutil.rmtree(target)
        for name in BUNDLED:
            src = root / name
            if src.exists():
                shutil.copytree(src, target / name, ignore=IGNORE)


setup(cmdclass={"build_py": BuildWithBundle})
